// The Teams delivery handlers of the one message model (teams.post, teams.update, teams.reply).
// The renderer is adapters/teams/message_render; the envelope (conversation, serviceUrl,
// replyToId, the activity id of an edit) is added here; where each copy landed goes to
// messages::CopyStore. A conversation named "webhook:NAME" is an incoming webhook: posts there
// lose their buttons (nobody could receive the click) and cannot be edited.
#include "bot/teams/deliveries.hpp"

#include <spdlog/spdlog.h>

#include "adapters/teams/adaptive_card.hpp"
#include "adapters/teams/message_render.hpp"
#include "bot/outbox/copy_to_edit.hpp"
#include "bot/service/service.hpp"
#include "bot/teams/conversations.hpp"
#include "engine/messages/copies.hpp"

namespace costbot::teams_app {
namespace json = boost::json;
namespace {

struct Deliveries {
  service::Service& svc;
  const config::MsTeamsConfig& config;
  std::shared_ptr<teams::Connector> connector;
  http::CallOptions webhook_call;
};

Destination destination(storage::Database& db, const config::MsTeamsConfig& config, const outbox::Item& item,
                        const std::string& reference, const std::string& service_url_hint = {}) {
  if (reference.empty()) throw outbox::DeliveryError(item.kind + " has no conversation", false);
  try {
    return resolve(db, config, reference, service_url_hint);
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

// Sends one activity and records where it landed.
json::value send(Deliveries& d, const outbox::Item& item, outbox::DeliveryContext& ctx, json::object activity,
                 const messages::Copy& copy, const Destination& dest, const std::string& reply_to, std::int64_t version) {
  messages::CopyStore copies(ctx.db);
  if (auto now_copy = copies.find(copy.id); now_copy && now_copy->state == messages::CopyState::posted) {
    spdlog::info("{} {}: already sent (activity {}), not sending again", item.kind, item.idempotency_key, now_copy->message_id);
    return json::object{{"conversation", now_copy->conversation}, {"activity_id", now_copy->message_id}};
  }
  if (dest.webhook) {
    teams::strip_bot_actions(activity);
    teams::post_to_incoming_webhook(d.svc.http_client(), d.config.find_incoming_webhook(dest.webhook_name)->url.reveal(),
                                    activity, d.webhook_call);
    auto tx = ctx.db.begin_write();
    copies.landed(copy.id, "webhook:" + dest.webhook_name, "", "", version, ctx.now);
    tx.commit();
    return json::object{{"webhook", dest.webhook_name}, {"posted", true}};
  }
  require_connector(*d.connector, item);
  auto id = d.connector->send_activity(dest.service_url, dest.conversation_id, activity, reply_to);
  auto tx = ctx.db.begin_write();
  copies.landed(copy.id, dest.conversation_id, id, dest.service_url, version, ctx.now);
  tx.commit();
  return json::object{{"conversation", dest.conversation_id}, {"activity_id", id}, {"service_url", dest.service_url}};
}

json::value deliver_post(Deliveries& d, const messages::ChatPost& post, const outbox::Item& item, outbox::DeliveryContext& ctx) {
  auto activity = teams::render_message_activity(d.svc.templates(), post.message);
  std::string reference = post.to.target, hint, reply_to;
  if (post.in_thread) {
    if (auto parent = messages::CopyStore(ctx.db).find(post.message.subject, post.to); parent && parent->landed())
      reference = parent->conversation, hint = parent->service_url, reply_to = parent->message_id;
  }
  auto dest = destination(ctx.db, d.config, item, reference, hint);
  auto copy = messages::CopyStore(ctx.db).copy_for_post(item.idempotency_key, post.in_thread ? "" : post.message.subject,
                                                        post.to, ctx.now);
  return send(d, item, ctx, std::move(activity), copy, dest, reply_to, post.message.version);
}

json::value deliver_update(Deliveries& d, const messages::ChatUpdate& update, const outbox::Item& item,
                           outbox::DeliveryContext& ctx) {
  messages::CopyStore copies(ctx.db);
  auto copy = outbox::copy_to_edit(copies, update);
  if (copy.conversation.starts_with("webhook:")) return json::object{{"skipped", "incoming webhook messages cannot be edited"}};
  if (!copy.landed()) throw outbox::DeliveryError("waiting for the first post of " + update.message.subject, true);
  if (!copies.may_show(copy, update.message.version)) {
    spdlog::info("{} {}: version {} is older than the shown {}, skipped", item.kind, item.idempotency_key,
                 update.message.version, copy.shown_version);
    return json::object{{"skipped", "older than the version already shown"}};
  }
  auto dest = destination(ctx.db, d.config, item, copy.conversation, copy.service_url);
  require_connector(*d.connector, item);
  auto activity = teams::render_message_activity(d.svc.templates(), update.message, /*edit=*/true);
  activity["id"] = copy.message_id;
  d.connector->update_activity(dest.service_url, dest.conversation_id, copy.message_id, activity);
  auto tx = ctx.db.begin_write();
  copies.shown(copy.id, update.message.version, ctx.now);
  tx.commit();
  return json::object{{"conversation", dest.conversation_id}, {"activity_id", copy.message_id}};
}

json::value deliver_reply(Deliveries& d, const messages::ChatReply& reply, const outbox::Item& item,
                          outbox::DeliveryContext& ctx) {
  auto dest = destination(ctx.db, d.config, item, reply.conversation, reply.service_url);
  auto copy = messages::CopyStore(ctx.db).copy_for_post(item.idempotency_key, "", {"teams", reply.conversation}, ctx.now);
  // An answer for one person in a shared conversation: a user-specific view (only they see it).
  std::optional<json::object> for_one;
  if (!reply.user.empty() && reply.reply.visibility == chat::Visibility::ephemeral)
    for_one = teams::user_specific_activity(reply.reply, reply.user);
  return send(d, item, ctx, for_one ? std::move(*for_one) : teams::render_activity(reply.reply), copy, dest, reply.thread, 0);
}

}  // namespace

void register_deliveries(service::Service& svc, const std::shared_ptr<teams::Connector>& connector) {
  http::CallOptions webhook_call;
  webhook_call.max_retry_wait = std::chrono::seconds(1);  // a long Retry-After goes back to the outbox
  auto d = std::make_shared<Deliveries>(Deliveries{svc, svc.config().msteams, connector, webhook_call});
  outbox::register_typed<messages::ChatPost>(svc.outbox(), messages::post_kind("teams"),
                                             [d](const messages::ChatPost& p, const outbox::Item& item,
                                                 outbox::DeliveryContext& ctx) { return deliver_post(*d, p, item, ctx); });
  outbox::register_typed<messages::ChatUpdate>(svc.outbox(), messages::update_kind("teams"),
                                               [d](const messages::ChatUpdate& u, const outbox::Item& item,
                                                   outbox::DeliveryContext& ctx) { return deliver_update(*d, u, item, ctx); });
  outbox::register_typed<messages::ChatReply>(svc.outbox(), messages::reply_kind("teams"),
                                              [d](const messages::ChatReply& r, const outbox::Item& item,
                                                  outbox::DeliveryContext& ctx) { return deliver_reply(*d, r, item, ctx); });
}

}  // namespace costbot::teams_app
