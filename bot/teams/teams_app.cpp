#include "bot/teams/teams_app.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/teams/activity.hpp"
#include "adapters/teams/adaptive_card.hpp"
#include "adapters/teams/bot_auth.hpp"
#include "adapters/teams/connector.hpp"
#include "adapters/teams/outgoing_webhook.hpp"
#include "bot/commands/replies.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "bot/teams/conversations.hpp"
#include "bot/teams/deliveries.hpp"
#include "engine/messages/copies.hpp"
#include "adapters/teams/message_render.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"

namespace costbot::teams_app {
namespace json = boost::json;
namespace net = boost::asio;
using server::Request;
using server::Respond;
using server::Response;

namespace {

// A query answer (it carries a Share button) is for the asker: in a personal chat it is private
// already (a plain answer that stays); in a channel or group chat everyone gets a card saying only
// the asker sees the figures, and the asker's client shows them (a user-specific view, `user` =
// their Teams id). Anything else goes to the conversation as it is.
void address_answer(messages::ChatReply& r, const std::string& conversation_type, const std::string& asker) {
  if (!commands::has_share_button(r.reply)) return;
  if (conversation_type == "personal" || asker.empty()) {
    r.reply = commands::direct_answer(std::move(r.reply));
    return;
  }
  r.user = asker;
}

struct App {
  service::Service& svc;
  config::MsTeamsConfig config;
  std::shared_ptr<teams::BotAuthenticator> auth;
  std::atomic<UnixSeconds> last_cleanup{0};

  explicit App(service::Service& s) : svc(s), config(s.config().msteams) {}

  // Remembers an activity id; false when it was seen before (inside the caller's transaction).
  bool first_time(storage::Database& db, const std::string& key, UnixSeconds now) {
    SQLite::Statement ins(db.sql(),
                          "INSERT INTO inbound_seen(source, key, seen_at) VALUES ('teams.activity', ?, ?) ON CONFLICT DO NOTHING");
    ins.bind(1, key);
    ins.bind(2, static_cast<std::int64_t>(now));
    bool inserted = ins.exec() > 0;
    auto last = last_cleanup.load();
    if (now - last > 60 && last_cleanup.compare_exchange_strong(last, now)) {
      SQLite::Statement del(db.sql(), "DELETE FROM inbound_seen WHERE source = 'teams.activity' AND seen_at < ?");
      del.bind(1, static_cast<std::int64_t>(now - config.activity_dedupe_ttl));
      del.exec();
    }
    return inserted;
  }

  commands::Invocation invocation(const teams::Activity& a, storage::Database& db, UnixSeconds now) const {
    commands::Invocation inv;
    inv.actor = {"teams", teams::user_id_of(a.from), a.from.name};
    inv.channel = a.conversation.id;
    inv.workspace = a.tenant_id;
    inv.db = &db;
    inv.now = now;
    return inv;
  }

  // A message into the activity's conversation, as a reply to it (threaded in channels).
  void enqueue_reply(storage::Database& db, const teams::Activity& a, const chat::Reply& reply, const std::string& key,
                     UnixSeconds now) const {
    messages::ChatReply r;
    r.channel = "teams";
    r.conversation = a.conversation.id;
    r.service_url = a.service_url;
    r.thread = a.reply_to_id.empty() ? a.id : a.reply_to_id;
    r.reply = reply;
    address_answer(r, a.conversation.conversation_type, a.from.id);
    messages::enqueue(db, key, r, now);
  }
};

chat::Reply text_reply(std::string text) {
  chat::Reply r;
  r.text(std::move(text));
  r.visibility = chat::Visibility::in_channel;
  return r;
}

bool is_rich(const chat::Reply& r) {
  if (!r.title.empty()) return true;
  for (const auto& b : r.blocks)
    if (!std::holds_alternative<chat::TextBlock>(b)) return true;
  return false;
}

// The card the action handler just queued for the clicked message (a teams.update of its copy,
// queued after outbox row `after`): what the invoke answers with, so the person who clicked sees
// the decision at once.
std::optional<json::object> refreshed_card(App& app, storage::Database& db, const std::string& conversation,
                                           const std::string& activity_id, std::int64_t after) {
  if (activity_id.empty()) return std::nullopt;
  // A click inside a channel thread names the conversation with ";messageid=": the copy has the channel's.
  auto copy = messages::CopyStore(db).find_landed("teams", teams::base_conversation_id(conversation), activity_id);
  if (!copy) copy = messages::CopyStore(db).find_landed("teams", conversation, activity_id);
  if (!copy) return std::nullopt;
  for (const auto& item : outbox::queued_after(db, after, messages::update_kind("teams"))) {
    auto update = messages::effect_from<messages::ChatUpdate>(item.payload);
    if (update.message.subject != copy->subject || !(update.to == copy->to)) continue;
    auto activity = teams::render_message_activity(app.svc.templates(), update.message, /*edit=*/true);
    if (const auto* card = teams::card_of(activity)) return *card;
  }
  return std::nullopt;
}

std::int64_t last_outbox_id(storage::Database& db) { return outbox::last_id(db); }

// A click (Action.Execute invoke or Action.Submit message).
Response handle_card_action(App& app, const teams::Activity& a, const teams::CardAction& click, const std::string& request_id) {
  auto& db = app.svc.db();
  auto now = app.svc.clock().now();
  const auto& action = click.action;
  auto answer = [&](const std::string& text) {
    if (click.invoke) return Response::json(200, teams::message_invoke_response(text));
    auto tx = db.begin_write();
    app.enqueue_reply(db, a, text_reply((a.from.name.empty() ? "" : a.from.name + ": ") + text), "teams.note:" + request_id,
                      now);
    tx.commit();
    app.svc.wake_outbox();
    return Response::empty(200);
  };
  // Reject needs a reason (the card asks for one; a client that skipped the check gets told).
  if (action.verb == chat::ActionVerb::reject && action.reason.empty())
    return answer("Write why you reject it in the box, then press Reject again.");

  auto before = last_outbox_id(db);
  std::optional<chat::Reply> note;
  bool queued = false;
  try {
    auto outcome = app.svc.action_handler().handle(action, db, now);
    queued = outcome.queued_effects;
    note = outcome.reply_to_actor;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::internal || e.kind() == ErrorKind::unavailable) throw;
    note = text_reply(e.what());
  }
  if (click.stage) spdlog::debug("Teams approval click for {} stage {}", action.subject, *click.stage);
  if (queued) app.svc.wake_outbox();

  if (click.invoke) {
    if (auto card = refreshed_card(app, db, action.message.channel, action.message.message_id, before))
      return Response::json(200, teams::card_invoke_response(*card));
    // A user-specific view asking for its asker's answer: the card is theirs alone.
    if (note && action.subject.starts_with(commands::kShareSubjectPrefix) && is_rich(*note))
      return Response::json(200, teams::card_invoke_response(teams::render_card(*note)));
  }
  if (note && (is_rich(*note) || !click.invoke)) {
    // Teams has no private replies: a rich note (Details) goes into the conversation, as a reply.
    auto tx = db.begin_write();
    app.enqueue_reply(db, a, *note, "teams.note:" + request_id, now);
    tx.commit();
    app.svc.wake_outbox();
    if (!click.invoke) return Response::empty(200);
    return Response::json(200, teams::message_invoke_response(is_rich(*note) ? "Posted in the conversation." : note->summary()));
  }
  if (note) return Response::json(200, teams::message_invoke_response(note->summary()));
  if (click.invoke) return Response::json(200, teams::message_invoke_response("Done."));
  return Response::empty(200);
}

// Runs a command; what goes wrong becomes the answer (a 4xx to Teams would show the person nothing).
chat::Reply run_safely(App& app, const commands::Command& command, commands::Invocation& inv, const std::string& request_id) {
  try {
    return app.svc.commands().dispatch(command, inv);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::internal) {
      spdlog::error("{}: {}", commands::to_text(command), e.what());
      return commands::failure(request_id);
    }
    return text_reply(e.what());
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", commands::to_text(command), e.what());
    return commands::failure(request_id);
  }
}

// A message written to the bot: the shared command grammar; the answer goes out through the connector.
Response handle_message(App& app, const teams::Activity& a, const std::string& request_id) {
  auto& db = app.svc.db();
  auto now = app.svc.clock().now();
  {
    auto tx = db.begin_write();
    remember(db, a, now);
    bool first = a.id.empty() || app.first_time(db, a.conversation.id + ":" + a.id, now);
    tx.commit();
    if (!first) {
      spdlog::info("Teams activity {} already received: not processed again", a.id);
      return Response::empty(200);
    }
  }
  auto text = teams::strip_mentions(a.text);
  auto& dispatcher = app.svc.commands();
  auto inv = app.invocation(a, db, now);
  auto parsed = commands::parse(text.empty() ? "help" : text);
  std::string key = "teams.reply:" + a.conversation.id + ":" + (a.id.empty() ? hash::random_hex(8) : a.id);
  std::optional<chat::Reply> reply;
  if (!parsed.ok()) reply = dispatcher.help_for(parsed.error);
  else if (dispatcher.speed_of(*parsed.command) == commands::Speed::quick) reply = run_safely(app, *parsed.command, inv, request_id);
  else if (auto hit = dispatcher.cached(*parsed.command, inv)) reply = hit->reply();

  auto tx = db.begin_write();
  if (reply) {
    app.enqueue_reply(db, a, *reply, key, now);
  } else {
    // May be slow: the outbox worker runs it and posts the answer (it survives a restart).
    outbox::enqueue(db,
                    {"teams.run_command", key,
                     {{"text", commands::to_text(*parsed.command)},
                      {"conversation", a.conversation.id},
                      {"service_url", a.service_url},
                      {"reply_to_id", a.id},
                      {"conversation_type", a.conversation.conversation_type},
                      {"user_mri", a.from.id},
                      {"user_id", teams::user_id_of(a.from)},
                      {"user_name", a.from.name},
                      {"tenant_id", a.tenant_id}},
                     0, {}},
                    now);
  }
  tx.commit();
  app.svc.wake_outbox();
  return Response::empty(200);
}

Response handle_activity(App& app, const teams::Activity& a, const std::string& request_id) {
  auto click = teams::card_action(a);  // malformed costbot data: 400 before anything is stored
  if (click || a.is_text_message()) {
    if (!click) return handle_message(app, a, request_id);
    {
      auto& db = app.svc.db();
      auto now = app.svc.clock().now();
      auto tx = db.begin_write();
      remember(db, a, now);
      // An Action.Submit arrives as a message, which Teams may deliver again; an invoke is answered, not retried.
      bool first = click->invoke || a.id.empty() || app.first_time(db, a.conversation.id + ":" + a.id, now);
      tx.commit();
      if (!first) return Response::empty(200);
    }
    return handle_card_action(app, a, *click, request_id);
  }
  auto& db = app.svc.db();
  auto now = app.svc.clock().now();
  auto tx = db.begin_write();
  remember(db, a, now);
  bool welcome = app.config.welcome && a.bot_added();
  if (welcome) {
    auto help = app.svc.commands().help();
    help.title = "Hello, I am costbot";
    help.visibility = chat::Visibility::in_channel;
    // One welcome per conversation, whether Teams sent installationUpdate, conversationUpdate or both.
    messages::ChatReply r;
    r.channel = "teams";
    r.conversation = a.conversation.id;
    r.service_url = a.service_url;
    r.reply = help;
    messages::enqueue(db, "teams.welcome:" + a.conversation.id, r, now);
  }
  tx.commit();
  if (welcome) app.svc.wake_outbox();
  if (a.type == "invoke") {
    spdlog::info("Teams invoke \"{}\" is not handled", a.name.substr(0, 64));
    return Response::empty(501);
  }
  return Response::empty(200);
}

// POST /teams/messages (runs on the work pool: the first request may fetch signing keys).
Response handle_messages(App& app, Request& req) {
  auto token = app.auth->verify(req.header("authorization"));
  auto activity = teams::parse_activity(req.body);
  teams::BotAuthenticator::check_activity(token, activity.service_url, activity.channel_id);
  if (!teams::service_url_allowed(activity.service_url, app.config.allowed_service_url_hosts))
    throw Error(ErrorKind::unauthorized,
                "Teams request authentication failed: the activity's serviceUrl host is not in msteams.allowed_service_url_hosts");
  return handle_activity(app, activity, req.id);
}

// POST /teams/webhook
void handle_outgoing_webhook(const std::shared_ptr<App>& app, Request&& req, Respond respond) {
  teams::verify_outgoing_webhook(app->config.outgoing_webhook_secret.reveal(), req.header("authorization"), req.body);
  auto activity = teams::parse_activity(req.body, /*strict=*/false);
  auto text = teams::strip_mentions(activity.text);
  auto reply_json = [](const chat::Reply& reply) {
    return Response::json(200, teams::render_activity(reply, teams::CardOptions{false}));
  };
  auto& dispatcher = app->svc.commands();
  auto parsed = commands::parse(text.empty() ? "help" : text);
  if (!parsed.ok()) return respond(reply_json(dispatcher.help_for(parsed.error)));
  auto command = *parsed.command;
  auto now = app->svc.clock().now();
  auto inv = app->invocation(activity, app->svc.db(), now);
  if (dispatcher.speed_of(command) == commands::Speed::quick) return respond(reply_json(run_safely(*app, command, inv, req.id)));
  if (auto hit = dispatcher.cached(command, inv)) return respond(reply_json(hit->reply()));

  // Teams waits 5 s and offers no later channel: answer within the budget, or say so (the
  // answer is cached when it is ready, so asking again is quick).
  struct Pending {
    std::atomic<int> state{0};  // 0 running, 1 answered, 2 timed out
    Respond respond;
    std::optional<net::steady_timer> timer;
  };
  auto pending = std::make_shared<Pending>();
  pending->respond = std::move(respond);
  pending->timer.emplace(app->svc.work_pool().get_executor(), std::chrono::milliseconds(app->config.webhook_ack_budget_ms));
  pending->timer->async_wait([pending, command, reply_json](const boost::system::error_code& ec) {
    int running = 0;
    if (!ec && pending->state.compare_exchange_strong(running, 2)) {
      auto r = commands::working_on(command);
      r.text("Outgoing webhooks cannot answer later: ask again in a minute and the answer will be ready.");
      pending->respond(reply_json(r));
    }
  });
  std::string request_id = req.id;
  net::post(app->svc.work_pool(), [app, pending, command, inv, request_id, reply_json]() mutable {
    log::ScopedRequestId scope(request_id);
    inv.db = &app->svc.db();  // this thread's connection
    auto reply = run_safely(*app, command, inv, request_id);
    int running = 0;
    if (pending->state.compare_exchange_strong(running, 1)) {
      if (pending->timer) pending->timer->cancel();
      pending->respond(reply_json(reply));
    }
  });
}

teams::FetchFn key_fetcher(service::Service& svc) {
  return [&svc](const std::string& url) {
    http::CallOptions options;
    options.max_retry_wait = std::chrono::seconds(2);
    options.request_timeout = std::chrono::seconds(10);
    auto response = svc.http_client().send(http::Request::get(url), options);
    if (!response.ok()) throw http::error_for_status(response, "Teams OpenID/JWKS fetch");
    return response.body;
  };
}

void unconfigured(service::Service& svc, const char* path, const std::string& reason) {
  svc.router().add("POST", path, [reason](Request& req) { return server::error_response(503, reason, req.id); });
}

}  // namespace

void install(service::Service& svc) {
  const auto& config = svc.config().msteams;
  auto app = std::make_shared<App>(svc);

  if (config.bot_enabled()) {
    teams::BotAuthOptions auth;
    auth.metadata_url = config.openid_metadata_url;
    auth.issuer = config.issuer;
    auth.audience = config.app_id;
    auth.clock_skew = config.clock_skew;
    app->auth = std::make_shared<teams::BotAuthenticator>(auth, key_fetcher(svc), svc.clock());
    svc.router().add_async("POST", "/teams/messages", [app](Request&& req, Respond respond) {
      auto shared = std::make_shared<Request>(std::move(req));
      net::post(app->svc.work_pool(), [app, shared, respond = std::move(respond)] {
        log::ScopedRequestId scope(shared->id);
        try {
          respond(handle_messages(*app, *shared));
        } catch (...) {
          respond(server::error_response_for(std::current_exception(), *shared));
        }
      });
    });
    if (config.app_password.empty())
      spdlog::warn("msteams.app_password / TEAMS_APP_PASSWORD not set: Teams messages are received but nothing can be "
                   "sent through the Bot Connector");
  } else {
    spdlog::info("Teams bot is off: no msteams.app_id / TEAMS_APP_ID");
    unconfigured(svc, "/teams/messages",
                 "Microsoft Teams is not configured on this service: set msteams.app_id or TEAMS_APP_ID");
  }

  if (config.webhook_enabled()) {
    svc.router().add_async("POST", "/teams/webhook", [app](Request&& req, Respond respond) {
      try {
        handle_outgoing_webhook(app, std::move(req), respond);
      } catch (...) {
        respond(server::error_response_for(std::current_exception(), req));
      }
    });
  } else {
    unconfigured(svc, "/teams/webhook",
                 "Teams outgoing webhooks are not configured: set msteams.outgoing_webhook_secret or "
                 "TEAMS_OUTGOING_WEBHOOK_SECRET");
  }

  if (config.bot_enabled() || !config.incoming_webhooks.empty()) {
    auto connector = std::make_shared<teams::Connector>(svc.http_client(), connector_options(config), svc.clock());
    http::CallOptions delivery;
    delivery.max_retry_wait = std::chrono::seconds(1);  // a long Retry-After goes back to the outbox
    connector->set_call_options(delivery);
    register_deliveries(svc, connector);
  }
  // teams.run_command: a message whose command may be slow, run by the outbox worker; the answer is a teams.reply.
  svc.outbox().register_handler("teams.run_command", [app](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    auto text_of = [&](std::string_view key) {
      auto* v = item.payload.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    commands::Invocation inv;
    inv.actor = {"teams", text_of("user_id"), text_of("user_name")};
    inv.channel = text_of("conversation");
    inv.workspace = text_of("tenant_id");
    inv.db = &ctx.db;
    inv.now = ctx.now;
    if (inv.channel.empty()) throw outbox::DeliveryError("teams.run_command has no conversation", false);
    chat::Reply reply;
    try {
      reply = app->svc.commands().run(text_of("text"), inv);
    } catch (const Error& e) {
      // A refusal is the answer; a failure of ours is retried by the outbox (the data may be busy).
      if (e.kind() == ErrorKind::internal || e.kind() == ErrorKind::unavailable) throw;
      reply.text(e.what());
    }
    messages::ChatReply r;
    r.channel = "teams";
    r.conversation = inv.channel;
    r.service_url = text_of("service_url");
    r.thread = text_of("reply_to_id");
    r.reply = reply;
    address_answer(r, text_of("conversation_type"), text_of("user_mri"));
    auto tx = ctx.db.begin_write();
    messages::enqueue(ctx.db, item.idempotency_key + ":reply", r, ctx.now);
    tx.commit();
    ctx.wake();
    return json::object{{"answered", true}};
  });
}

teams::ConnectorOptions connector_options(const config::MsTeamsConfig& config) {
  teams::ConnectorOptions options;
  options.app_id = config.app_id;
  options.app_password = config.app_password.reveal();
  options.token_url = config.effective_token_url();
  options.scope = config.token_scope;
  options.allowed_hosts = config.allowed_service_url_hosts;
  return options;
}

}  // namespace costbot::teams_app
