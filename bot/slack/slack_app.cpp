#include "bot/slack/slack_app.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/slack/block_kit.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/socket_mode.hpp"
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

std::string reply_body(const chat::Reply& reply) { return json::serialize(slack::render_response(reply)); }

// The immediate answer to a slash command (a JSON body): the HTTP response, or a Socket Mode ack.
using SlashAnswer = std::function<void(std::string json_body)>;

// A slash command, however it arrived (HTTP POST or Socket Mode envelope): answered at once when
// quick or cached, else run on the work pool and answered inline if done within the ack budget,
// otherwise acknowledged and answered through response_url by the outbox.
void answer_slash(const std::shared_ptr<App>& app, const slack::SlashCommand& slash, const std::string& request_id,
                  SlashAnswer respond) {
  auto& dispatcher = app->svc.commands();
  auto parsed = commands::parse(slash.text);
  if (!parsed.ok()) return respond(reply_body(dispatcher.help_for(parsed.error)));
  auto command = *parsed.command;
  auto inv = app->invocation(slash);

  if (dispatcher.speed_of(command) == commands::Speed::quick) return respond(reply_body(dispatcher.dispatch(command, inv)));
  if (auto hit = dispatcher.cached(command, inv)) return respond(hit->rendered("slack", reply_body));

  // May be slow: run it on the work pool; answer inline if it is done within the ack budget,
  // otherwise ack now and post the answer to response_url through the outbox when it is ready.
  struct Pending {
    std::atomic<int> state{0};  // 0 running, 1 answered inline, 2 acknowledged
    SlashAnswer respond;
    std::optional<net::steady_timer> timer;
  };
  auto pending = std::make_shared<Pending>();
  pending->respond = std::move(respond);
  auto budget = std::chrono::milliseconds(app->config.ack_budget_ms);
  if (budget.count() == 0) {
    pending->state = 2;
    pending->respond(reply_body(commands::working_on(command)));
  } else {
    pending->timer.emplace(app->svc.work_pool().get_executor(), budget);
    pending->timer->async_wait([pending, command](const boost::system::error_code& ec) {
      int running = 0;
      if (!ec && pending->state.compare_exchange_strong(running, 2)) pending->respond(reply_body(commands::working_on(command)));
    });
  }
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
      pending->respond(reply_body(reply));
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

// POST /slack/commands
void handle_command(const std::shared_ptr<App>& app, Request&& req, Respond respond) {
  app->verify(req);
  App::require_form(req);
  answer_slash(app, slack::parse_slash_command(req.body), req.id, [respond = std::move(respond)](std::string body) {
    Response r;
    r.content_type = "application/json; charset=utf-8";
    r.body = std::move(body);
    respond(std::move(r));
  });
}

// An event callback (HTTP or Socket Mode): remembered by event_id (a redelivery changes nothing),
// a message for the bot queued for the outbox to answer.
void accept_event(const std::shared_ptr<App>& app, const slack::EventEnvelope& envelope, const std::string& retry_note) {
  if (envelope.type != "event_callback") {
    spdlog::info("Slack event envelope of type {} ignored", envelope.type);
    return;
  }
  auto& db = app->svc.db();
  auto now = app->svc.clock().now();
  auto tx = db.begin_write();
  if (!app->first_time(db, "slack.event", envelope.event_id, now)) {
    tx.commit();
    spdlog::info("Slack event {} already received{}: not processed again", envelope.event_id, retry_note);
    return;
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
}

// POST /slack/events
Response handle_event(const std::shared_ptr<App>& app, Request& req) {
  app->verify(req);
  auto envelope = slack::parse_event_envelope(req.body);
  if (envelope.type == "url_verification") return Response::json(200, {{"challenge", envelope.challenge}});
  auto retry = req.header("x-slack-retry-num");
  accept_event(app, envelope, retry ? ", retry " + std::string(*retry) : std::string());
  return Response::empty(200);
}

// Clicks and modal submissions (HTTP or Socket Mode). Returns the body Slack takes back for a
// view_submission that must stay open (response_action: errors); nothing otherwise.
std::optional<json::object> accept_interaction(const std::shared_ptr<App>& app, const slack::Interaction& interaction,
                                               const std::string& request_id) {
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
        return json::object{{"response_action", "errors"}, {"errors", {{std::string(slack::kReasonBlock), e.what()}}}};
      chat::Reply r;
      r.text(e.what());
      note = r;
    }
    if (note) {
      auto tx = db.begin_write();
      actions::enqueue_reply_to_actor(db, action, *note, "slack.note:" + request_id + ":" + action.subject, now);
      tx.commit();
      queued = true;
    }
  }
  if (queued) app->svc.wake_outbox();
  return std::nullopt;
}

// POST /slack/interactions
Response handle_interaction(const std::shared_ptr<App>& app, Request& req) {
  app->verify(req);
  App::require_form(req);
  auto answer = accept_interaction(app, slack::parse_interaction(req.body), req.id);
  return answer ? Response::json(200, *answer) : Response::empty(200);
}

// Socket Mode: the same three paths, from envelopes on the WebSocket costbot opened (no public
// URL, no signing secret: the connection itself is authenticated by the app-level token).
void on_envelope(const std::shared_ptr<App>& app, const slack::SocketEnvelope& e, slack::SocketAck ack) {
  const std::string request_id = "slack-" + e.envelope_id;
  log::ScopedRequestId scope(request_id);
  if (e.type == "slash_commands") {
    answer_slash(app, slack::slash_command_from_json(e.payload), request_id, [ack](std::string body) {
      boost::system::error_code ec;
      auto parsed = json::parse(body, ec);
      ack(!ec && parsed.is_object() ? std::optional<json::object>(parsed.as_object()) : std::nullopt);
    });
    return;
  }
  if (e.type != "events_api" && e.type != "interactive") {
    spdlog::info("Slack Socket Mode envelope of type {} ignored", e.type);
    return ack(std::nullopt);
  }
  // Off the socket's thread: both write to the database (and a click runs the approvals engine).
  net::post(app->svc.work_pool(), [app, e, ack, request_id] {
    log::ScopedRequestId inner(request_id);
    std::optional<json::object> answer;
    try {
      if (e.type == "events_api") {
        accept_event(app, slack::parse_event_envelope(json::serialize(e.payload)),
                     e.retry_attempt ? ", retry " + std::to_string(e.retry_attempt) : std::string());
      } else {
        answer = accept_interaction(app, slack::parse_interaction_payload(json::serialize(e.payload)), request_id);
      }
    } catch (const std::exception& ex) {
      spdlog::warn("Slack Socket Mode {}: {}", e.type, ex.what());
    }
    ack(std::move(answer));
  });
}

class SocketModeComponent final : public service::Component {
 public:
  SocketModeComponent(std::shared_ptr<App> app, slack::SocketModeOptions options)
      : app_(std::move(app)),
        client_(app_->svc.http_client(), std::move(options),
                [app = app_](const slack::SocketEnvelope& e, slack::SocketAck ack) { on_envelope(app, e, std::move(ack)); }) {}
  std::string name() const override { return "Slack Socket Mode"; }
  void start(service::Service&) override { client_.start(); }
  void stop() override { client_.stop(); }

 private:
  std::shared_ptr<App> app_;
  slack::SocketModeClient client_;
};

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
  if (!inv.channel.starts_with("D") && commands::has_share_button(answer.reply)) {
    // A query answer to a mention in a channel: only the asker sees it (chat.postEphemeral), with Share.
    answer.user = inv.actor.user_id;
  } else {
    // A direct message is private already, and the answer stays in it; help and notes go in the thread.
    answer.reply = commands::direct_answer(std::move(answer.reply));
    answer.reply.visibility = chat::Visibility::in_channel;
  }
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
  const bool socket = config.socket_mode();
  if (!config.enabled() || (socket && config.signing_secret.empty())) {
    const std::string why = socket ? "Slack runs in Socket Mode here (slack.app_token): Slack sends nothing over HTTP"
                                   : "Slack is not configured on this service: set slack.signing_secret or "
                                     "SLACK_SIGNING_SECRET (HTTP), or slack.app_token / SLACK_APP_TOKEN (Socket Mode)";
    if (!socket) spdlog::info("Slack is off: no slack.signing_secret / SLACK_SIGNING_SECRET, no slack.app_token / SLACK_APP_TOKEN");
    for (const char* path : {"/slack/commands", "/slack/events", "/slack/interactions"})
      router.add("POST", path, [why](Request& req) { return server::error_response(503, why, req.id); });
    if (!socket) return;
  }
  auto api = std::make_shared<slack::WebApi>(svc.http_client(), config.api_url, config.bot_token.reveal());
  // Deliveries run on the outbox worker: a Retry-After longer than a second is handed back to it
  // (the effect is rescheduled) instead of holding the worker's thread.
  http::CallOptions delivery;
  delivery.max_retry_wait = std::chrono::seconds(1);
  api->set_call_options(delivery);
  auto app = std::make_shared<App>(svc, api);
  if (!config.signing_secret.empty()) {
    router.add_async("POST", "/slack/commands", [app](Request&& req, Respond respond) {
      handle_command(app, std::move(req), std::move(respond));
    });
    router.add("POST", "/slack/events", [app](Request& req) { return handle_event(app, req); });
    router.add("POST", "/slack/interactions", [app](Request& req) { return handle_interaction(app, req); });
  }
  if (socket) {
    slack::SocketModeOptions options;
    options.app_token = config.app_token.reveal();
    options.api_url = config.api_url;
    options.ca_file = svc.config().http_client.ca_file;
    svc.add_component(std::make_shared<SocketModeComponent>(app, std::move(options)));
    spdlog::info("Slack: Socket Mode (commands, events and clicks arrive over a WebSocket costbot opens; no public URL needed)");
  }
  register_deliveries(svc.outbox(), api, svc.templates_ptr(), config.default_channel, api->has_token());
  svc.outbox().register_handler("slack.run_command", [app](const outbox::Item& item, outbox::DeliveryContext& ctx) {
    return run_command(app, item, ctx);
  });
}

}  // namespace costbot::slack_app
