// Outbox deliveries of slack.* effects through the Web API client.
#include "bot/slack/deliveries.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include "adapters/slack/block_kit.hpp"
#include "bot/outbox/receipts.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/error.hpp"

namespace costbot::slack_app {
namespace json = boost::json;
namespace {

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string required(const json::object& o, std::string_view key, const outbox::Item& item) {
  auto value = text_of(o, key);
  if (value.empty())
    throw outbox::DeliveryError(item.kind + " payload has no \"" + std::string(key) + "\"", false);
  return value;
}

// costbot's own "version" of a rendered message (approval messages carry one), not for Slack.
std::optional<std::int64_t> version_of(const json::object& o) {
  auto* v = o.if_contains("version");
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}

}  // namespace

void register_deliveries(outbox::Worker& worker, const std::shared_ptr<slack::WebApi>& api,
                         const std::string& default_channel, bool web_api_enabled) {
  // response_url needs no token: it works whenever Slack sent us one.
  worker.register_handler("slack.response_url", [api](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    auto url = required(item.payload, "url", item);
    auto* body = item.payload.if_contains("body");
    if (!body || !body->is_object()) throw outbox::DeliveryError("slack.response_url payload has no body object", false);
    api->post_to_response_url(url, body->as_object());
    json::object receipt{{"posted", true}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  });
  if (!web_api_enabled) {
    spdlog::warn("slack.bot_token / SLACK_BOT_TOKEN not set: slack.post_message, update_message, post_ephemeral and "
                 "views_open effects stay queued until a process with a token runs");
    return;
  }

  worker.register_handler("slack.post_message", [api, default_channel](const outbox::Item& item,
                                                                       outbox::DeliveryContext& ctx) -> json::value {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) {
      spdlog::info("slack.post_message {}: already posted (ts {}), not posting again", item.idempotency_key,
                   text_of(*receipt, "ts"));
      return *receipt;
    }
    json::object message = item.payload;
    std::string subject = text_of(message, "subject");
    auto version = version_of(message);
    message.erase("subject");
    message.erase("version");
    if (text_of(message, "channel").empty()) message["channel"] = default_channel;
    if (text_of(message, "channel").empty())
      throw outbox::DeliveryError("slack.post_message has no channel and slack.default_channel is not set", false);
    auto posted = api->post_message(message);
    json::object receipt{{"channel", posted.channel}, {"ts", posted.ts}};
    auto tx = ctx.db.begin_write();
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    // Every copy is remembered under its subject, so a later change edits it in place.
    SQLite::Statement ins(ctx.db.sql(),
                          "INSERT INTO posted_messages(subject, channel_kind, channel, message_id, created_at, updated_at, "
                          "rendered_version) VALUES (?, 'slack', ?, ?, ?, ?, ?) ON CONFLICT(subject, channel_kind, channel) "
                          "DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at, "
                          "rendered_version = excluded.rendered_version");
    ins.bind(1, subject.empty() ? "outbox:" + item.idempotency_key : subject);
    ins.bind(2, posted.channel);
    ins.bind(3, posted.ts);
    ins.bind(4, static_cast<std::int64_t>(ctx.now));
    ins.bind(5, static_cast<std::int64_t>(ctx.now));
    ins.bind(6, version.value_or(0));
    ins.exec();
    // A versioned message may have changed while this post was queued: whoever renders the
    // subject (the approvals engine) hears of the new copy and brings it up to date.
    if (version && !subject.empty())
      outbox::enqueue(ctx.db,
                      {"copy.posted", item.idempotency_key + ":posted",
                       {{"subject", subject}, {"channel_kind", "slack"}, {"channel", posted.channel},
                        {"message_id", posted.ts}, {"version", *version}},
                       0},
                      ctx.now);
    tx.commit();
    if (version && !subject.empty()) ctx.wake();
    return receipt;
  });

  worker.register_handler("slack.update_message", [api](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    auto channel = required(item.payload, "channel", item);
    auto ts = required(item.payload, "ts", item);
    json::object message = item.payload;
    auto version = version_of(message);
    message.erase("subject");
    message.erase("version");
    if (version) {
      // Never draw an older state over a newer one (a retry that lost a race, a redelivery).
      SQLite::Statement shown(ctx.db.sql(),
                              "SELECT rendered_version FROM posted_messages WHERE channel_kind = 'slack' AND channel = ? AND "
                              "message_id = ?");
      shown.bind(1, channel);
      shown.bind(2, ts);
      if (shown.executeStep() && shown.getColumn(0).getInt64() > *version)
        return json::object{{"channel", channel}, {"ts", ts}, {"skipped", "the message already shows a newer version"}};
    }
    api->update_message(message);  // editing to the same content twice is harmless
    SQLite::Statement upd(ctx.db.sql(),
                          "UPDATE posted_messages SET updated_at = ?, rendered_version = MAX(rendered_version, ?) "
                          "WHERE channel_kind = 'slack' AND channel = ? AND message_id = ?");
    upd.bind(1, static_cast<std::int64_t>(ctx.now));
    upd.bind(2, version.value_or(0));
    upd.bind(3, channel);
    upd.bind(4, ts);
    upd.exec();
    return json::object{{"channel", channel}, {"ts", ts}};
  });

  worker.register_handler("slack.post_ephemeral", [api](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    required(item.payload, "channel", item);
    required(item.payload, "user", item);
    json::object receipt{{"message_ts", api->post_ephemeral(item.payload)}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  });

  worker.register_handler("slack.views_open", [api](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    // A trigger_id is good for 3 seconds: past that, retrying cannot succeed.
    if (ctx.now - item.created_at > 3)
      throw outbox::DeliveryError("trigger_id expired before the modal could be opened", false);
    auto trigger = required(item.payload, "trigger_id", item);
    auto* view = item.payload.if_contains("view");
    if (!view || !view->is_object()) throw outbox::DeliveryError("slack.views_open payload has no view", false);
    json::object receipt{{"view_id", api->open_view(trigger, view->as_object())}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  });
}

}  // namespace costbot::slack_app
