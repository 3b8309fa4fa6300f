#include "bot/slack/slack_app.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/slack/block_kit.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/verify.hpp"
#include "adapters/slack/user_groups.hpp"
#include "adapters/slack/web_api.hpp"
#include "bot/actions/message_updates.hpp"
#include "bot/commands/replies.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "bot/slack/deliveries.hpp"
#include "engine/messages/message.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::slack_app {
namespace json = boost::json;
namespace net = boost::asio;
using server::Request;
using server::Respond;
using server::Response;

namespace {

struct App {
  service::Service& svc;
  config::SlackConfig config;
  std::shared_ptr<slack::WebApi> api;
  std::atomic<UnixSeconds> last_cleanup{0};

  App(service::Service& s, std::shared_ptr<slack::WebApi> a) : svc(s), config(s.config().slack), api(std::move(a)) {}

  // The first step of every Slack route: nothing is parsed, stored or answered before it passes.
  void verify(const Request& req) const {
    slack::verify(config.signing_secret.reveal(), req.header("x-slack-request-timestamp"),
                  req.header("x-slack-signature"), req.body, svc.clock().now());
  }

  static void require_form(const Request& req) {
    auto type = req.header("content-type");
    if (type && !text::starts_with_icase(*type, "application/x-www-form-urlencoded"))
      throw Error(ErrorKind::invalid_input, "expected an application/x-www-form-urlencoded body, got " + std::string(*type));
  }

  commands::Invocation invocation(const slack::SlashCommand& c) {
    commands::Invocation inv;
    inv.actor = {"slack", c.user_id, c.user_name};
    inv.channel = c.channel_id;
    inv.workspace = c.team_id;
    inv.db = &svc.db();
    inv.now = svc.clock().now();
    return inv;
  }

  // Remembers a delivery id; false when it was seen before (inside the caller's transaction).
  bool first_time(storage::Database& db, const std::string& source, const std::string& key, UnixSeconds now) {
    SQLite::Statement ins(db.sql(), "INSERT INTO inbound_seen(source, key, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    ins.bind(1, source);
    ins.bind(2, key);
    ins.bind(3, static_cast<std::int64_t>(now));
    bool inserted = ins.exec() > 0;
    auto last = last_cleanup.load();
    if (now - last > 60 && last_cleanup.compare_exchange_strong(last, now)) {
      SQLite::Statement del(db.sql(), "DELETE FROM inbound_seen WHERE seen_at < ?");
      del.bind(1, static_cast<std::int64_t>(now - config.event_dedupe_ttl));
      del.exec();
    }
    return inserted;
  }
};

Response reply_json(const chat::Reply& reply) { return Response::json(200, slack::render_response(reply)); }

// POST /slack/commands
void handle_command(const std::shared_ptr<App>& app, Request&& req, Respond respond) {
  app->verify(req);
  App::require_form(req);
  auto slash = slack::parse_slash_command(req.body);
  auto& dispatcher = app->svc.commands();
  auto parsed = commands::parse(slash.text);
  if (!parsed.ok()) return respond(reply_json(dispatcher.help_for(parsed.error)));
  auto command = *parsed.command;
  auto inv = app->invocation(slash);

  if (dispatcher.speed_of(command) == commands::Speed::quick) return respond(reply_json(dispatcher.dispatch(command, inv)));
  if (auto hit = dispatcher.cached(command, inv)) {
    Response r;
    r.content_type = "application/json; charset=utf-8";
    r.body = hit->rendered("slack", [](const chat::Reply& reply) { return json::serialize(slack::render_response(reply)); });
    return respond(std::move(r));
  }

  // May be slow: run it on the work pool; answer inline if it is done within the ack budget,
  // otherwise ack now and post the answer to response_url through the outbox when it is ready.
  struct Pending {
    std::atomic<int> state{0};  // 0 running, 1 answered inline, 2 acknowledged
    Respond respond;
    std::optional<net::steady_timer> timer;
  };
  auto pending = std::make_shared<Pending>();
  pending->respond = std::move(respond);
  auto budget = std::chrono::milliseconds(app->config.ack_budget_ms);
  if (budget.count() == 0) {
    pending->state = 2;
    pending->respond(reply_json(commands::working_on(command)));
  } else {
    pending->timer.emplace(app->svc.work_pool().get_executor(), budget);
    pending->timer->async_wait([pending, command](const boost::system::error_code& ec) {
      int running = 0;
      if (!ec && pending->state.compare_exchange_strong(running, 2)) pending->respond(reply_json(commands::working_on(command)));
    });
  }
  std::string request_id = req.id;
  net::post(app->svc.work_pool(), [app, pending, command, inv, slash, request_id]() mutable {
    log::ScopedRequestId scope(request_id);
    inv.db = &app->svc.db();  // this thread's connection
    chat::Reply reply;
    try {
      reply = app->svc.commands().dispatch(command, inv);
    } catch (const Error& e) {
      reply = chat::Reply{};
      reply.text(e.kind() == ErrorKind::internal ? commands::failure(request_id).summary() : std::string(e.what()));
      spdlog::warn("{}: {}", commands::to_text(command), e.what());
    } catch (const std::exception& e) {
      spdlog::error("{}: {}", commands::to_text(command), e.what());
      reply = commands::failure(request_id);
    }
    int running = 0;
    if (pending->state.compare_exchange_strong(running, 1)) {
      if (pending->timer) pending->timer->cancel();
      pending->respond(reply_json(reply));
      return;
    }
    if (slash.response_url.empty()) {
      spdlog::warn("{}: answered late and the command had no response_url", commands::to_text(command));
      return;
    }
    try {
      auto& db = app->svc.db();
      auto tx = db.begin_write();
      messages::ChatReply answer;
      answer.channel = "slack";
      answer.response_url = slash.response_url;
      answer.reply = reply;
      messages::enqueue(db, "slack.command:" + request_id + ":answer", answer, app->svc.clock().now());
      tx.commit();
      app->svc.wake_outbox();
    } catch (const std::exception& e) {
      spdlog::error("{}: could not queue the follow-up: {}", commands::to_text(command), e.what());
    }
  });
}

// POST /slack/events
Response handle_event(const std::shared_ptr<App>& app, Request& req) {
  app->verify(req);
  auto envelope = slack::parse_event_envelope(req.body);
  if (envelope.type == "url_verification") return Response::json(200, {{"challenge", envelope.challenge}});
  if (envelope.type != "event_callback") {
    spdlog::info("Slack event envelope of type {} ignored", envelope.type);
    return Response::empty(200);
  }
  auto& db = app->svc.db();
  auto now = app->svc.clock().now();
  auto tx = db.begin_write();
  if (!app->first_time(db, "slack.event", envelope.event_id, now)) {
    tx.commit();
    auto retry = req.header("x-slack-retry-num");
    spdlog::info("Slack event {} already received{}{}: not processed again", envelope.event_id,
                 retry ? ", retry " : "", retry ? std::string(*retry) : "");
    return Response::empty(200);
  }
  auto message = slack::message_for_bot(envelope.event);
  if (message) {
    outbox::enqueue(db,
                    {"slack.run_command", "slack.event:" + envelope.event_id,
                     {{"text", message->text},
                      {"user_id", message->user},
                      {"channel", message->channel},
                      {"thread_ts", message->thread_ts},
                      {"team_id", envelope.team_id}},
                     0, {}},
                    now);
  }
  tx.commit();
  if (message) app->svc.wake_outbox();
  return Response::empty(200);
}

// POST /slack/interactions
Response handle_interaction(const std::shared_ptr<App>& app, Request& req) {
  app->verify(req);
  App::require_form(req);
  auto interaction = slack::parse_interaction(req.body);
  for (const auto& id : interaction.ignored_action_ids) spdlog::info("Slack interaction {} ignored", id);
  auto& db = app->svc.db();
  bool queued = false;
  for (const auto& action : interaction.actions) {
    auto now = app->svc.clock().now();
    // Reject asks why first: a modal, opened within the trigger's 3 seconds through the outbox.
    if (interaction.type == "block_actions" && action.verb == chat::ActionVerb::reject && action.reason.empty() &&
        !action.trigger_id.empty()) {
      auto tx = db.begin_write();
      outbox::enqueue(db,
                      {std::string(kViewsOpenKind), "slack.views_open:" + action.trigger_id,
                       {{"trigger_id", action.trigger_id}, {"view", slack::reject_reason_modal(action)}}, 0, {}},
                      now);
      tx.commit();
      queued = true;
      continue;
    }
    std::optional<chat::Reply> note;
    try {
      auto outcome = app->svc.action_handler().handle(action, db, now);
      queued = queued || outcome.queued_effects;
      note = outcome.reply_to_actor;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::internal || e.kind() == ErrorKind::unavailable) throw;
      if (interaction.type == "view_submission")  // keep the modal open and say why there
        return Response::json(200, {{"response_action", "errors"}, {"errors", {{std::string(slack::kReasonBlock), e.what()}}}});
      chat::Reply r;
      r.text(e.what());
      note = r;
    }
    if (note) {
      auto tx = db.begin_write();
      actions::enqueue_reply_to_actor(db, action, *note, "slack.note:" + req.id + ":" + action.subject, now);
      tx.commit();
      queued = true;
    }
  }
  if (queued) app->svc.wake_outbox();
  return Response::empty(200);
}

// slack.run_command: a mention or DM to answer, queued by /slack/events.
json::value run_command(const std::shared_ptr<App>& app, const outbox::Item& item, outbox::DeliveryContext& ctx) {
  auto get = [&](std::string_view key) {
    auto* v = item.payload.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  commands::Invocation inv;
  inv.actor = {"slack", get("user_id"), ""};
  inv.channel = get("channel");
  inv.workspace = get("team_id");
  inv.db = &ctx.db;
  inv.now = ctx.now;
  messages::ChatReply answer;
  answer.channel = "slack";
  answer.conversation = inv.channel;
  answer.thread = get("thread_ts");
  answer.reply = app->svc.commands().run(get("text"), inv);
  answer.reply.visibility = chat::Visibility::in_channel;
  auto tx = ctx.db.begin_write();
  messages::enqueue(ctx.db, item.idempotency_key + ":reply", answer, ctx.now);
  tx.commit();
  ctx.wake();
  return json::object{{"answered", true}};
}

}  // namespace

void install(service::Service& svc) {
  const auto& config = svc.config().slack;
  auto& router = svc.router();
  // Roles given to Slack user groups: looked up with a separate client policy (one attempt, a
  // short timeout: a click waits on it), cached for five minutes.
  if (svc.authorizer().uses_slack_groups()) {
    if (config.bot_token.reveal().empty())
      spdlog::warn("access: roles name Slack user groups (slack_group:) but there is no slack.bot_token: nobody "
                   "holds those roles");
    auto lookups = std::make_shared<slack::WebApi>(svc.http_client(), config.api_url, config.bot_token.reveal());
    http::CallOptions quick;
    quick.max_attempts = 1;
    quick.request_timeout = std::chrono::seconds(2);
    lookups->set_call_options(quick);
    svc.authorizer().set_group_directory(std::make_shared<slack::UserGroups>(lookups, svc.clock()));
  }
  if (!config.enabled()) {
    spdlog::info("Slack is off: no slack.signing_secret / SLACK_SIGNING_SECRET");
    for (const char* path : {"/slack/commands", "/slack/events", "/slack/interactions"})
      router.add("POST", path, [](Request& req) {
        return server::error_response(
            503, "Slack is not configured on this service: set slack.signing_secret or SLACK_SIGNING_SECRET", req.id);
      });
    return;
  }
  auto api = std::make_shared<slack::WebApi>(svc.http_client(), config.api_url, config.bot_token.reveal());
  // Deliveries run on the outbox worker: a Retry-After longer than a second is handed back to it
  // (the effect is rescheduled) instead of holding the worker's thread.
  http::CallOptions delivery;
  delivery.max_retry_wait = std::chrono::seconds(1);
  api->set_call_options(delivery);
  auto app = std::make_shared<App>(svc, api);
  router.add_async("POST", "/slack/commands", [app](Request&& req, Respond respond) {
    handle_command(app, std::move(req), std::move(respond));
  });
  router.add("POST", "/slack/events", [app](Request& req) { return handle_event(app, req); });
  router.add("POST", "/slack/interactions", [app](Request& req) { return handle_interaction(app, req); });
  register_deliveries(svc.outbox(), api, svc.templates_ptr(), config.default_channel, api->has_token());
  svc.outbox().register_handler("slack.run_command", [app](const outbox::Item& item, outbox::DeliveryContext& ctx) {
    return run_command(app, item, ctx);
  });
}

}  // namespace costbot::slack_app
