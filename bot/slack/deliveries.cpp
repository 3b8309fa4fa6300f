// The Slack delivery handlers of the one message model (slack.post, slack.update, slack.reply) and
// of the Slack-only effects (slack.views_open). The renderer is adapters/slack/message_render; the
// envelope (channel, ts, thread_ts, metadata) is added here; where each copy landed goes to
// messages::CopyStore.
//
// A post is never sent twice (issue 15, finding 6). chat.postMessage has no idempotency key, so:
//   1. the copy is marked "sending" in a committed transaction before the call;
//   2. the post carries metadata {"event_type": "costbot_post", "event_payload": {"key": <outbox key>}};
//   3. its channel and ts are recorded as soon as Slack answers (retrying the write while the
//      database is busy, instead of failing the effect and posting again);
//   4. a retry that finds the copy "sending" (the answer or its record was lost: a crash, kill -9,
//      a write that never got the lock) looks for the metadata key in the conversation's history
//      first and adopts that message; only a post Slack never received is sent again. A copy whose
//      conversation cannot be read back (a #name, no history scope) is failed, not posted twice.
#include "bot/slack/deliveries.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "adapters/http/client.hpp"
#include "adapters/http/remote_error.hpp"
#include "adapters/slack/block_kit.hpp"
#include "adapters/slack/message_render.hpp"
#include "bot/outbox/copy_to_edit.hpp"
#include "bot/outbox/receipts.hpp"
#include "engine/messages/copies.hpp"
#include "engine/util/error.hpp"

namespace costbot::slack_app {
namespace json = boost::json;
namespace {

constexpr std::string_view kMetadataEvent = "costbot_post";
// How long a lost post may take to show in conversations.history before it counts as never posted.
constexpr UnixSeconds kHistorySettle = 10;

struct Deliveries {
  std::shared_ptr<slack::WebApi> api;
  std::shared_ptr<const render::Templates> templates;
  std::string default_channel;
};

// "1726653600.000000": the oldest ts of a history search.
std::string slack_ts(UnixSeconds t) { return std::to_string(t) + ".000000"; }

bool is_conversation_id(const std::string& s) {
  return s.size() > 1 && (s[0] == 'C' || s[0] == 'G' || s[0] == 'D') &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); });
}
bool is_user_id(const std::string& s) {
  return s.size() > 1 && (s[0] == 'U' || s[0] == 'W') &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); });
}

// Runs a short write transaction, waiting out a busy database instead of failing: used for what
// must be recorded after a remote call that cannot be repeated. Gives up after `patience`.
template <class Fn>
void record_after_call(storage::Database& db, Fn fn, std::chrono::seconds patience = std::chrono::seconds(120)) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (auto pause = std::chrono::milliseconds(50);; pause = std::min(pause * 2, std::chrono::milliseconds(2000))) {
    try {
      auto tx = db.begin_write();
      fn();
      tx.commit();
      return;
    } catch (const SQLite::Exception& e) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
      spdlog::warn("recording a delivered Slack post waits for the database: {}", e.what());
      std::this_thread::sleep_for(pause);
    }
  }
}

// Where a post goes: the address's channel, the copy it replies under, the default channel.
struct Placement {
  std::string channel;
  std::string thread_ts;
};

Placement placement(const Deliveries& d, storage::Database& db, const messages::ChatPost& post, const outbox::Item& item) {
  Placement p{post.to.target, ""};
  if (post.in_thread) {
    if (auto parent = messages::CopyStore(db).find(post.message.subject, post.to); parent && parent->landed())
      p = Placement{parent->conversation, parent->message_id};
  }
  if (p.channel.empty()) p.channel = d.default_channel;
  if (p.channel.empty())
    throw outbox::DeliveryError(item.kind + " has no channel and slack.default_channel is not set", false);
  return p;
}

json::object landed_receipt(const messages::Copy& copy) {
  return {{"channel", copy.conversation}, {"ts", copy.message_id}};
}

// A copy found "sending": was it posted? Looks for the post's metadata key where it would be.
// Returns the adopted copy, or nullopt when Slack surely has no such message.
std::optional<slack::WebApi::Posted> find_lost_post(const Deliveries& d, const messages::Copy& copy, const Placement& where,
                                                    const outbox::Item& item, UnixSeconds now) {
  std::string channel = where.channel;
  if (is_user_id(channel)) channel = d.api->open_direct(channel);
  if (!is_conversation_id(channel))
    throw outbox::DeliveryError("a post to " + where.channel + " may have reached Slack (its answer was lost) and " +
                                    "that conversation cannot be searched by name: not posting it again",
                                false);
  const UnixSeconds since = copy.attempt_at.value_or(copy.created_at) - 5;
  try {
    if (auto found = d.api->find_posted(channel, where.thread_ts, item.idempotency_key, slack_ts(since))) return found;
  } catch (const http::RemoteError& e) {
    if (e.retryable()) throw;
    throw outbox::DeliveryError("a post to " + channel + " may have reached Slack (its answer was lost) and its " +
                                    "history cannot be read (" + e.what() + "; add channels:history / groups:history): " +
                                    "not posting it again",
                                false);
  }
  // Slack shows a post in the history at once; give a lost answer a moment before trusting "none".
  if (copy.attempt_at && now - *copy.attempt_at < kHistorySettle)
    throw outbox::DeliveryError("checking whether a lost post reached Slack", true,
                                std::chrono::seconds(kHistorySettle - (now - *copy.attempt_at)));
  return std::nullopt;
}

// Posts once: see the top of this file.
json::value post_once(const Deliveries& d, const outbox::Item& item, outbox::DeliveryContext& ctx, json::object body,
                      const messages::Copy& planned, const Placement& where, std::int64_t version) {
  messages::CopyStore copies(ctx.db);
  auto copy = copies.find(planned.id).value_or(planned);
  if (copy.landed()) {
    spdlog::info("{} {}: already posted (ts {}), not posting again", item.kind, item.idempotency_key, copy.message_id);
    return landed_receipt(copy);
  }
  if (copy.state == messages::CopyState::sending) {
    if (auto found = find_lost_post(d, copy, where, item, ctx.now)) {
      spdlog::warn("{} {}: the post had reached Slack (ts {}); recorded, not posted again", item.kind, item.idempotency_key,
                   found->ts);
      record_after_call(ctx.db, [&] { copies.landed(copy.id, found->channel, found->ts, "", version, ctx.now); });
      return json::object{{"channel", found->channel}, {"ts", found->ts}, {"found", true}};
    }
  }
  {
    auto tx = ctx.db.begin_write();  // committed before the call: a retry knows a post may exist
    copies.begin_attempt(copy.id, ctx.now);
    tx.commit();
  }
  body["channel"] = where.channel;
  if (!where.thread_ts.empty()) body["thread_ts"] = where.thread_ts;
  body["metadata"] = json::object{{"event_type", kMetadataEvent}, {"event_payload", {{"key", item.idempotency_key}}}};
  slack::WebApi::Posted posted;
  try {
    posted = d.api->post_message(body);
  } catch (const http::NetworkError& e) {
    if (!e.maybe_processed()) record_after_call(ctx.db, [&] { copies.attempt_refused(copy.id, ctx.now); });
    throw;
  } catch (const http::RemoteError& e) {
    // Slack answered ok:false, 429 or another 4xx: nothing was posted. (After a 5xx it may have
    // been: the copy stays "sending" and a retry looks first.)
    if (!e.code().empty() || e.kind() != ErrorKind::unavailable)
      record_after_call(ctx.db, [&] { copies.attempt_refused(copy.id, ctx.now); });
    throw;
  }
  record_after_call(ctx.db, [&] { copies.landed(copy.id, posted.channel, posted.ts, "", version, ctx.now); });
  return json::object{{"channel", posted.channel}, {"ts", posted.ts}};
}

json::value deliver_post(const Deliveries& d, const messages::ChatPost& post, const outbox::Item& item,
                         outbox::DeliveryContext& ctx) {
  auto body = slack::render_body(*d.templates, post.message);
  auto where = placement(d, ctx.db, post, item);
  if (post.in_thread && post.broadcast && !where.thread_ts.empty()) body["reply_broadcast"] = true;
  auto copy = messages::CopyStore(ctx.db).copy_for_post(item.idempotency_key, post.in_thread ? "" : post.message.subject,
                                                        post.to, ctx.now);
  return post_once(d, item, ctx, std::move(body), copy, where, post.message.version);
}

json::value deliver_update(const Deliveries& d, const messages::ChatUpdate& update, const outbox::Item&,
                           outbox::DeliveryContext& ctx) {
  messages::CopyStore copies(ctx.db);
  auto copy = outbox::copy_to_edit(copies, update);
  if (!copy.landed()) throw outbox::DeliveryError("waiting for the first post of " + update.message.subject, true);
  if (!copies.may_show(copy, update.message.version))
    return json::object{{"channel", copy.conversation}, {"ts", copy.message_id},
                        {"skipped", "the message already shows a newer version"}};
  auto body = slack::render_body(*d.templates, update.message);
  body["channel"] = copy.conversation;
  body["ts"] = copy.message_id;
  d.api->update_message(body);  // editing to the same content twice is harmless
  auto tx = ctx.db.begin_write();
  copies.shown(copy.id, update.message.version, ctx.now);
  tx.commit();
  return json::object{{"channel", copy.conversation}, {"ts", copy.message_id}};
}

json::value deliver_reply(const Deliveries& d, const messages::ChatReply& reply, const outbox::Item& item,
                          outbox::DeliveryContext& ctx) {
  if (!reply.response_url.empty()) {
    // response_url needs no token: it works whenever Slack sent us one. A repeat only repeats an
    // answer to one person (the receipt keeps a retry after a crash from it).
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    d.api->post_to_response_url(reply.response_url, slack::render_response(reply.reply, reply.replace_original));
    json::object receipt{{"posted", true}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  }
  if (!d.api->has_token())
    throw outbox::DeliveryError("slack.reply " + item.idempotency_key + " has no response_url and no bot token is set", true,
                                std::chrono::seconds(3600));
  if (!reply.user.empty() && reply.reply.visibility == chat::Visibility::ephemeral) {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    auto body = slack::render_message(reply.reply);
    body["channel"] = reply.conversation;
    body["user"] = reply.user;
    json::object receipt{{"message_ts", d.api->post_ephemeral(body)}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  }
  // An answer into the conversation (a mention, a direct message): a post like any other.
  auto body = slack::render_message(reply.reply);
  messages::Address to{"slack", reply.conversation};
  auto copy = messages::CopyStore(ctx.db).copy_for_post(item.idempotency_key, "", to, ctx.now);
  return post_once(d, item, ctx, std::move(body), copy, Placement{reply.conversation, reply.thread}, 0);
}

}  // namespace

void register_deliveries(outbox::Worker& worker, const std::shared_ptr<slack::WebApi>& api,
                         std::shared_ptr<const render::Templates> templates, const std::string& default_channel,
                         bool web_api_enabled) {
  auto d = std::make_shared<Deliveries>(Deliveries{api, std::move(templates), default_channel});
  outbox::register_typed<messages::ChatReply>(worker, messages::reply_kind("slack"),
                                              [d](const messages::ChatReply& r, const outbox::Item& item,
                                                  outbox::DeliveryContext& ctx) { return deliver_reply(*d, r, item, ctx); });
  if (!web_api_enabled) {
    spdlog::warn("slack.bot_token / SLACK_BOT_TOKEN not set: Slack posts, edits and modals stay queued until a process "
                 "with a token runs (answers through response_url still go)");
    return;
  }
  outbox::register_typed<messages::ChatPost>(worker, messages::post_kind("slack"),
                                             [d](const messages::ChatPost& p, const outbox::Item& item,
                                                 outbox::DeliveryContext& ctx) { return deliver_post(*d, p, item, ctx); });
  outbox::register_typed<messages::ChatUpdate>(worker, messages::update_kind("slack"),
                                               [d](const messages::ChatUpdate& u, const outbox::Item& item,
                                                   outbox::DeliveryContext& ctx) { return deliver_update(*d, u, item, ctx); });
  worker.register_handler(std::string(kViewsOpenKind), [api](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    if (auto receipt = outbox::receipt_for(ctx.db, item.idempotency_key)) return *receipt;
    // A trigger_id is good for 3 seconds: past that, retrying cannot succeed.
    if (ctx.now - item.created_at > 3)
      throw outbox::DeliveryError("trigger_id expired before the modal could be opened", false);
    auto* trigger = item.payload.if_contains("trigger_id");
    auto* view = item.payload.if_contains("view");
    if (!trigger || !trigger->is_string() || !view || !view->is_object())
      throw outbox::DeliveryError("slack.views_open payload needs trigger_id and view", false);
    json::object receipt{{"view_id", api->open_view(std::string(trigger->as_string()), view->as_object())}};
    outbox::record_receipt(ctx.db, item.idempotency_key, receipt, ctx.now);
    return receipt;
  });
}

}  // namespace costbot::slack_app
