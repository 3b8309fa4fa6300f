#include "bot/teams/deliveries.hpp"

#include <spdlog/spdlog.h>

#include "adapters/teams/adaptive_card.hpp"
#include "bot/outbox/receipts.hpp"
#include "bot/service/service.hpp"
#include "bot/teams/conversations.hpp"
#include "engine/outbox/outbox.hpp"

namespace costbot::teams_app {
namespace json = boost::json;
namespace {

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string required(const json::object& o, std::string_view key, const outbox::Item& item) {
  auto value = text_of(o, key);
  if (value.empty()) throw outbox::DeliveryError(item.kind + " payload has no \"" + std::string(key) + "\"", false);
  return value;
}

json::object activity_of(const outbox::Item& item) {
  auto* a = item.payload.if_contains("activity");
  if (!a || !a->is_object()) throw outbox::DeliveryError(item.kind + " payload has no activity object", false);
  return a->as_object();
}

std::optional<std::int64_t> version_of(const json::object& payload) {
  auto* v = payload.if_contains("version");
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}

// The service URL recorded with the posted copy being edited (when the effect carries none).
std::string posted_service_url(storage::Database& db, const outbox::Item& item) {
  SQLite::Statement q(db.sql(),
                      "SELECT service_url FROM posted_messages WHERE channel_kind = 'teams' AND channel = ? AND "
                      "message_id = ? AND service_url <> '' LIMIT 1");
  q.bind(1, text_of(item.payload, "conversation"));
  q.bind(2, text_of(item.payload, "activity_id"));
  return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

Destination destination(storage::Database& db, const config::MsTeamsConfig& config, const outbox::Item& item,
                        const std::string& fallback_service_url = {}) {
  try {
    auto hint = text_of(item.payload, "service_url");
    if (hint.empty()) hint = fallback_service_url;
    return resolve(db, config, required(item.payload, "conversation", item), hint);
  } catch (const outbox::DeliveryError&) {
    throw;
  } catch (const Error& e) {
    throw outbox::DeliveryError(item.kind + ": " + e.what(), false);
  }
}

void require_connector(const teams::Connector& connector, const outbox::Item& item) {
  if (!connector.has_credentials())
    throw outbox::DeliveryError(item.kind + ": msteams.app_id / app_password (TEAMS_APP_ID, TEAMS_APP_PASSWORD) are not "
                                "set, so nothing can be sent through the Bot Connector",
                                false);
}

// The newest version delivered to one message, kept beside the receipts.
std::string version_key(const Destination& d, const std::string& activity_id) {
  return "teams.version:" + d.conversation_id + ":" + activity_id;
}

}  // namespace

void register_deliveries(service::Service& svc, const std::shared_ptr<teams::Connector>& connector) {
  const auto& config = svc.config().msteams;
  auto& http = svc.http_client();
  http::CallOptions webhook_call;
  webhook_call.max_retry_wait = std::chrono::seconds(1);  // a long Retry-After goes back to the outbox

  svc.outbox().register_handler("teams.send_activity", [&config, &http, connector, webhook_call](
                                                           const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) {
      spdlog::info("teams.send_activity {}: already sent (activity {}), not sending again", item.idempotency_key,
                   text_of(*receipt, "activity_id"));
      return *receipt;
    }
    auto activity = activity_of(item);
    auto dest = destination(ctx.db, config, item);
    if (dest.webhook) {
      // Nobody could receive a click from a webhook post: its buttons go.
      teams::strip_bot_actions(activity);
      teams::post_to_incoming_webhook(http, config.find_incoming_webhook(dest.webhook_name)->url.reveal(), activity,
                                      webhook_call);
      json::object receipt{{"webhook", dest.webhook_name}, {"posted", true}};
      outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
      return receipt;
    }
    require_connector(*connector, item);
    auto reply_to = text_of(item.payload, "reply_to_id");
    auto id = connector->send_activity(dest.service_url, dest.conversation_id, activity, reply_to);
    json::object receipt{{"conversation", dest.conversation_id}, {"activity_id", id}, {"service_url", dest.service_url}};
    auto subject = text_of(item.payload, "subject");
    auto tx = ctx.db.begin_write();
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    // The message of record for its subject (a reply in its thread, such as a reminder, is not).
    if (!subject.empty() && reply_to.empty() && !id.empty()) {
      SQLite::Statement ins(ctx.db.sql(),
                            "INSERT INTO posted_messages(subject, channel_kind, channel, message_id, service_url, "
                            "created_at, updated_at) VALUES (?, 'teams', ?, ?, ?, ?, ?) "
                            "ON CONFLICT(subject, channel_kind, channel) DO UPDATE SET message_id = excluded.message_id, "
                            "service_url = excluded.service_url, updated_at = excluded.updated_at");
      ins.bind(1, subject);
      ins.bind(2, dest.conversation_id);
      ins.bind(3, id);
      ins.bind(4, dest.service_url);
      ins.bind(5, static_cast<std::int64_t>(ctx.now));
      ins.bind(6, static_cast<std::int64_t>(ctx.now));
      ins.exec();
      if (auto version = version_of(item.payload)) {
        SQLite::Statement mark(ctx.db.sql(),
                               "INSERT INTO effect_receipts(idempotency_key, receipt, created_at) VALUES (?, ?, ?) "
                               "ON CONFLICT(idempotency_key) DO NOTHING");
        mark.bind(1, version_key(dest, id));
        mark.bind(2, json::serialize(json::object{{"version", *version}}));
        mark.bind(3, static_cast<std::int64_t>(ctx.now));
        mark.exec();
      }
    }
    tx.commit();
    return receipt;
  });

  svc.outbox().register_handler("teams.update_activity", [&config, connector](const outbox::Item& item,
                                                                              outbox::DeliveryContext& ctx) -> json::value {
    auto dest = destination(ctx.db, config, item, posted_service_url(ctx.db, item));
    if (dest.webhook) return json::object{{"skipped", "incoming webhook messages cannot be edited"}};
    auto activity_id = required(item.payload, "activity_id", item);
    auto version = version_of(item.payload);
    if (version) {
      if (auto seen = outbox::receipt_for(ctx.db, version_key(dest, activity_id))) {
        auto* v = seen->if_contains("version");
        if (v && v->is_int64() && v->as_int64() > *version) {
          spdlog::info("teams.update_activity {}: version {} is older than the delivered {}, skipped", item.idempotency_key,
                       *version, v->as_int64());
          return json::object{{"skipped", "older than the version already shown"}};
        }
      }
    }
    require_connector(*connector, item);
    connector->update_activity(dest.service_url, dest.conversation_id, activity_id, activity_of(item));
    auto tx = ctx.db.begin_write();
    SQLite::Statement upd(ctx.db.sql(),
                          "UPDATE posted_messages SET updated_at = ? WHERE channel_kind = 'teams' AND channel = ? AND "
                          "message_id = ?");
    upd.bind(1, static_cast<std::int64_t>(ctx.now));
    upd.bind(2, dest.conversation_id);
    upd.bind(3, activity_id);
    upd.exec();
    if (version) {
      SQLite::Statement mark(ctx.db.sql(),
                             "INSERT INTO effect_receipts(idempotency_key, receipt, created_at) VALUES (?, ?, ?) "
                             "ON CONFLICT(idempotency_key) DO UPDATE SET receipt = excluded.receipt");
      mark.bind(1, version_key(dest, activity_id));
      mark.bind(2, json::serialize(json::object{{"version", *version}}));
      mark.bind(3, static_cast<std::int64_t>(ctx.now));
      mark.exec();
    }
    tx.commit();
    return json::object{{"conversation", dest.conversation_id}, {"activity_id", activity_id}};
  });

  svc.outbox().register_handler("teams.run_command", [&svc](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    commands::Invocation inv;
    inv.actor = {"teams", text_of(item.payload, "user_id"), text_of(item.payload, "user_name")};
    inv.channel = required(item.payload, "conversation", item);
    inv.workspace = text_of(item.payload, "tenant_id");
    inv.db = &ctx.db;
    inv.now = ctx.now;
    chat::Reply reply;
    try {
      reply = svc.commands().run(text_of(item.payload, "text"), inv);
    } catch (const Error& e) {
      // A refusal is the answer; a failure of ours is retried by the outbox (the data may be busy).
      if (e.kind() == ErrorKind::internal || e.kind() == ErrorKind::unavailable) throw;
      reply.text(e.what());
    }
    json::object payload{{"conversation", inv.channel},
                         {"service_url", text_of(item.payload, "service_url")},
                         {"reply_to_id", text_of(item.payload, "reply_to_id")},
                         {"activity", teams::render_activity(reply)}};
    auto tx = ctx.db.begin_write();
    outbox::enqueue(ctx.db, {"teams.send_activity", item.idempotency_key + ":reply", std::move(payload), 0}, ctx.now);
    tx.commit();
    ctx.wake();
    return json::object{{"answered", true}};
  });
}

}  // namespace costbot::teams_app
