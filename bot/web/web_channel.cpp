#include "bot/web/web_channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <sstream>
#include <variant>

#include "adapters/http/form.hpp"
#include "bot/auth/oidc_sign_in.hpp"
#include "bot/auth/web_auth.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "bot/web/web_feed.hpp"
#include "bot/web/spend_views.hpp"
#include "bot/web/web_views.hpp"
#include "engine/approvals/records.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/messages/copies.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/html.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::web {
namespace json = boost::json;
using server::Request;
using server::Response;

namespace {

// The page is data, like the message templates beside it: it ships in templates/ (which the
// container image and the systemd install already carry), so changing its wording or layout needs
// no rebuild. It is read once at start (three small files) and kept in memory.
struct Assets {
  std::string index_html, sign_in_html, app_js, spend_js, app_css, favicon_svg;
};

std::string read_asset(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::invalid_input, "cannot read the web page asset " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Assets load_assets(const std::string& templates_root) {
  auto dir = std::filesystem::path(templates_root) / "web" / "page";
  return {read_asset(dir / "index.html"), read_asset(dir / "sign_in.html"), read_asset(dir / "app.js"), read_asset(dir / "spend.js"),
          read_asset(dir / "app.css"), read_asset(dir / "favicon.svg")};
}

// Plain text of a reply for the page (it draws text, never markup): the title, then every block.
std::string plain_text(const chat::Reply& reply) {
  std::vector<std::string> lines;
  if (!reply.title.empty()) lines.push_back(reply.title);
  for (const auto& block : reply.blocks) {
    if (const auto* t = std::get_if<chat::TextBlock>(&block)) lines.push_back(t->text);
    else if (const auto* c = std::get_if<chat::ContextBlock>(&block)) lines.push_back(c->text);
    else if (const auto* f = std::get_if<chat::FieldsBlock>(&block))
      for (const auto& field : f->fields) lines.push_back(field.label + ": " + field.value);
    else if (const auto* tb = std::get_if<chat::TableBlock>(&block))
      for (const auto& row : tb->rows) lines.push_back(text::join(row, " | "));
  }
  std::string out = text::join(lines, "\n");
  std::erase_if(out, [](char c) { return c == '*' || c == '`'; });  // the two marks of chat::Reply
  return out.empty() ? reply.fallback : out;
}

class Channel {
 public:
  Channel(service::Service& svc, Assets assets, std::shared_ptr<const webauth::WebAuth> auth)
      : svc_(svc), config_(svc.config().web), auth_(std::move(auth)) {
    index_html_ = text::replace_all(assets.index_html, "{{poll_ms}}", std::to_string(config_.poll_ms));
    sign_in_html_ = std::move(assets.sign_in_html);
    app_js_ = std::move(assets.app_js);
    spend_js_ = std::move(assets.spend_js);
    app_css_ = std::move(assets.app_css);
    favicon_svg_ = std::move(assets.favicon_svg);
  }

  // Who may connect (web.access) and to which names (DNS rebinding): before anything else.
  void check_transport(const Request& req) const { auth_->check_transport(req); }

  // The signed-in person, or 401: every /web route needs a session.
  auth::Session check_reader(const Request& req) {
    check_transport(req);
    auto session = auth_->session(req, svc_.db(), svc_.clock().now());
    if (!session) throw Error(ErrorKind::unauthorized, "sign in first: open this service's page (/) and sign in");
    svc_.authorizer().require(auth_->principal(*session), auth::Action::view);
    return *session;
  }

  // A state-changing request must come from the page itself, in this session (see web_channel.hpp on CSRF).
  std::variant<auth::Session, Response> check_writer(const Request& req) {
    check_transport(req);
    auto type = req.header("content-type");
    if (!type || !text::starts_with_icase(*type, "application/json"))
      return server::error_response(415, "expected Content-Type: application/json", req.id);
    if (auto site = req.header("sec-fetch-site"); site && *site != "same-origin")
      throw Error(ErrorKind::forbidden, "cross-site request refused (Sec-Fetch-Site: " + std::string(*site) + ")");
    if (auto origin = req.header("origin")) {
      auto host = req.forwarded_host.empty() ? req.header("host") : std::optional<std::string_view>(req.forwarded_host);
      std::string o = text::to_lower(*origin);
      std::string h = host ? text::to_lower(*host) : "";
      if (h.empty() || (o != "http://" + h && o != "https://" + h))
        throw Error(ErrorKind::forbidden, "cross-site request refused (Origin " + std::string(*origin) + ")");
    }
    auto session = auth_->session(req, svc_.db(), svc_.clock().now());
    if (!session) throw Error(ErrorKind::unauthorized, "sign in first: open this service's page (/) and sign in");
    auto token = req.header("x-csrf-token");
    if (!token || !hash::equal_constant_time(*token, session->csrf_token))
      throw Error(ErrorKind::forbidden, "missing or stale X-CSRF-Token: reload the page");
    return *session;
  }

  static Response no_store(Response r) {
    r.with_header("Cache-Control", "no-store");
    return r;
  }

  static Response asset(const std::string& body, const char* type) {
    Response r;
    r.content_type = type;
    r.body = body;
    r.with_header("Cache-Control", "no-cache");
    r.with_header("X-Content-Type-Options", "nosniff");
    return r;
  }

  static std::size_t limit_of(const Request& req, std::size_t fallback) {
    auto text = req.query_param("limit");
    if (!text) return fallback;
    auto n = text::parse_int(*text);
    if (!n || *n < 1 || *n > 500) throw invalid_input("limit: expected 1..500, got \"" + *text + "\"");
    return static_cast<std::size_t>(*n);
  }

  static Response html_page(std::string body) {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(body);
    // Nothing but this origin's own script, style and images (charts): no CDN, no inline script.
    r.with_header("Content-Security-Policy",
                  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    r.with_header("X-Content-Type-Options", "nosniff");
    r.with_header("Referrer-Policy", "no-referrer");
    r.with_header("Cache-Control", "no-store");  // it carries the session's CSRF token
    return r;
  }

  Response page(const Request& req) {
    check_transport(req);
    auto session = auth_->session(req, svc_.db(), svc_.clock().now());
    if (!session) return sign_in_page("", webauth::safe_return_path(req.query_param("next").value_or("")));
    auto principal = auth_->principal(*session);
    svc_.authorizer().require(principal, auth::Action::view);
    // Whom the page may act for: nobody but the person, unless a grant says so (access.act_for).
    const bool acts_for_others = svc_.authorizer().has_grants(principal);
    std::string body = text::replace_all(index_html_, "{{csrf_token}}", session->csrf_token);
    body = text::replace_all(body, "{{user_id}}", text::html_escape(session->user_id));
    body = text::replace_all(body, "{{user_name}}", text::html_escape(principal.name));
    body = text::replace_all(body, "{{acts_for_others}}", acts_for_others ? "true" : "false");
    return html_page(std::move(body));
  }

  // Signed out: the providers to sign in with, or how the local operator gets a link.
  Response sign_in_page(const std::string& problem, const std::string& next = "") const {
    std::string providers;
    // `next`: where to go once signed in (a chart link followed while signed out), a local path.
    const std::string query = next.empty() || next == "/" ? "" : "?next=" + http::encode_form({{"n", next}}).substr(2);
    for (const auto& p : svc_.config().web.providers)
      providers += "<li><a class=\"provider\" data-testid=\"provider\" href=\"/auth/login/" + text::html_escape(p.name) +
                   text::html_escape(query) + "\">" + text::html_escape(p.label) + "</a></li>";
    std::string local = svc_.config().web.providers.empty()
                            ? "<p>No identity provider is configured. <code>costbot serve</code> printed a one-time "
                              "sign-in link for the local operator when it started; <code>costbot web sign-in-link</code> "
                              "makes another.</p>"
                            : "";
    std::string body = text::replace_all(sign_in_html_, "{{providers}}", providers);
    body = text::replace_all(body, "{{local_operator}}", local);
    body = text::replace_all(body, "{{problem}}", problem.empty() ? "" : "<p class=\"problem\" data-testid=\"problem\">" +
                                                                             text::html_escape(problem) + "</p>");
    auto r = html_page(std::move(body));
    r.status = problem.empty() ? 200 : 403;
    return r;
  }

  // GET /auth/local?token=T: the one-time link `serve` printed. Used once, then a session.
  Response local_sign_in(const Request& req) {
    check_transport(req);
    auto token = req.query_param("token").value_or("");
    const auto now = svc_.clock().now();
    if (token.empty() || !auth::redeem_sign_in_link(svc_.db(), token, now)) {
      spdlog::warn("web: a sign-in link was refused (unknown, used or expired)");
      return sign_in_page("This sign-in link is unknown, already used or expired. Run `costbot web sign-in-link` for a new one.");
    }
    auth::Session s;
    s.user_id = svc_.config().web.local_operator;
    s.name = svc_.config().web.local_operator + " (local operator)";
    s.provider = "local";
    spdlog::info("web: the local operator signed in with a one-time link");
    return auth_->sign_in(svc_.db(), std::move(s), "/", now);
  }

  // POST /auth/logout (from the page: JSON with the CSRF token).
  Response logout(Request& req) {
    auto checked = check_writer(req);
    if (auto* refused = std::get_if<Response>(&checked)) return *refused;
    if (auto cookie = webauth::cookie_value(req, auth_->cookie_name()))
      auth::end_session(svc_.db(), *cookie, svc_.clock().now());
    auto r = Response::json(200, {{"ok", true}});
    r.with_header("Set-Cookie", auth_->clear_cookie());
    r.with_header("Cache-Control", "no-store");
    return r;
  }

  // GET /auth/me: who the page is signed in as, their roles and whether they may act for others.
  Response me(const Request& req) {
    auto session = check_reader(req);
    auto p = auth_->principal(session);
    json::array roles;
    for (auto r : svc_.authorizer().roles_of(p)) roles.push_back(json::value(auth::to_string(r)));
    return no_store(Response::json(200, {{"user_id", session.user_id},
                                         {"name", p.name},
                                         {"provider", session.provider},
                                         {"roles", roles},
                                         {"acts_for_others", svc_.authorizer().has_grants(p)},
                                         {"expires_at", format_instant(session.expires_at)}}));
  }

  // GET /incidents/{id}, /findings/{id}, /approvals/{id}: where "Open in costbot" and the approval
  // links of every message lead. The page, under the page's own access rules; 404 when there is
  // no such thing here (ids as messages write them: 12, F12, I3, #4).
  // Signed out, the link shows the sign-in page and says nothing of whether the id exists.
  Response deep_link(const Request& req, const std::string& kind) {
    check_transport(req);
    // Signed out: the sign-in page, which comes back here once signed in.
    if (!auth_->session(req, svc_.db(), svc_.clock().now()))
      return sign_in_page("", webauth::safe_return_path("/" + kind + "/" + std::string(req.param("id"))));
    check_reader(req);  // whether an id exists is for people who may view
    std::string_view digits = req.param("id");
    if (!digits.empty() && std::string_view("FfIi#").find(digits.front()) != std::string_view::npos) digits.remove_prefix(1);
    auto id = text::parse_int(digits);
    bool exists = false;
    if (id && *id > 0) {
      detect::FindingStore store(svc_.db());
      if (kind == "incidents") exists = store.incident(*id).has_value();
      else if (kind == "findings") exists = store.finding(*id).has_value();
      else exists = approvals::load_request(svc_.db(), *id).has_value();
    }
    if (!exists)
      throw Error(ErrorKind::not_found, "no " + kind.substr(0, kind.size() - 1) + " " + req.param("id") + " here");
    return page(req);
  }

  static std::int64_t id_of(const Request& req) {
    auto text = req.query_param("id");
    if (!text) return 0;
    std::string_view digits = *text;
    if (!digits.empty() && (digits.front() == 'F' || digits.front() == 'I')) digits.remove_prefix(1);
    auto n = text::parse_int(digits);
    if (!n || *n < 1) throw invalid_input("id: expected a number such as 12 (or F12, I7), got \"" + *text + "\"");
    return *n;
  }

  Response findings(const Request& req) {
    check_reader(req);
    ViewFilter f;
    f.limit = limit_of(req, 50);
    f.id = id_of(req);
    if (auto status = req.query_param("status")) {
      if (*status != "open" && *status != "all") throw invalid_input("status: expected open or all, got \"" + *status + "\"");
      f.open_only = *status == "open";
    }
    return no_store(Response::json(200, findings_view(svc_.db(), f)));
  }

  Response incidents(const Request& req) {
    check_reader(req);
    ViewFilter f;
    f.limit = limit_of(req, 50);
    f.id = id_of(req);
    f.open_only = f.id == 0;
    return no_store(Response::json(200, incidents_view(svc_.db(), f)));
  }

  // The spend view's data (bot/web/spend_views.hpp).
  Response spend(const Request& req) {
    check_reader(req);
    auto r = parse_spend_request(req.query_param("by"), req.query_param("period"), req.query_params("where"),
                                 req.query_param("q"), req.query_param("limit"), svc_.clock().today());
    return no_store(Response::json(200, spend_view(svc_.db(), svc_.config(), r)));
  }
  Response compare(const Request& req) {
    check_reader(req);
    auto r = parse_spend_request(req.query_param("dimension"), req.query_param("period"), {}, std::nullopt, std::nullopt,
                                 svc_.clock().today());
    auto a = req.query_param("a"), b = req.query_param("b");
    if (!a || !b) throw invalid_input("a and b: the two values to compare, e.g. a=payments&b=platform");
    return no_store(Response::json(200, compare_view(svc_.db(), svc_.config(), r.by, *a, *b, r.period)));
  }
  Response summary(const Request& req) {
    check_reader(req);
    return no_store(Response::json(200, summary_view(svc_.db(), svc_.config(), svc_.clock().today())));
  }
  Response savings(const Request& req) {
    check_reader(req);
    return no_store(Response::json(200, savings_view(svc_.db(), svc_.config())));
  }
  Response spend_script(const Request& req) const {
    check_transport(req);
    return asset(spend_js_, "text/javascript; charset=utf-8");
  }

  Response tickets(const Request& req) {
    check_reader(req);
    return no_store(Response::json(200, tickets_view(svc_.db())));
  }

  Response script(const Request& req) const {
    check_transport(req);
    return asset(app_js_, "text/javascript; charset=utf-8");
  }

  Response stylesheet(const Request& req) const {
    check_transport(req);
    return asset(app_css_, "text/css; charset=utf-8");
  }

  Response icon(const Request& req) const {
    check_transport(req);
    return asset(favicon_svg_, "image/svg+xml");
  }

  Response feeds(const Request& req) {
    check_reader(req);
    json::array feeds, personas;
    // The configured personas first (their feeds fill as alerts are routed), then any other
    // persona feed that has posts (a persona since switched off, a subscription's).
    std::vector<std::string> names = svc_.config().personas.names();
    for (const auto& f : web::feeds(svc_.db())) {
      feeds.push_back({{"feed", f.feed}, {"posts", f.posts}, {"last_seq", f.last_seq}});
      if (f.feed.starts_with("persona:")) {
        auto name = f.feed.substr(8);
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
    for (const auto& n : names) personas.push_back(json::value(n));
    return no_store(Response::json(200, {{"feeds", feeds},
                                         {"personas", personas},
                                         {"approvals_feed", svc_.config().approvals.web_feed},
                                         {"currency", svc_.config().currency.base},
                                         {"poll_ms", config_.poll_ms}}));
  }

  Response feed(const Request& req) {
    check_reader(req);
    auto name = req.query_param("feed");
    if (!name || name->empty()) throw invalid_input("feed: give the feed's name, e.g. /web/feed?feed=approvals");
    FeedQuery q;
    q.feed = *name;
    q.limit = limit_of(req, 100);
    if (auto after = req.query_param("after")) {
      auto n = text::parse_int(*after);
      if (!n || *n < 0) throw invalid_input("after: expected a sequence number, got \"" + *after + "\"");
      q.after_seq = *n;
    }
    json::array items;
    std::int64_t last = q.after_seq;
    for (const auto& p : feed_posts(svc_.db(), q)) {
      last = std::max(last, p.seq);
      items.push_back(to_json(p));
    }
    return no_store(Response::json(200, {{"feed", q.feed}, {"last_seq", last}, {"items", items}}));
  }

  Response act(Request& req) {
    auto checked = check_writer(req);
    if (auto* refused = std::get_if<Response>(&checked)) return *refused;
    const auto& session = std::get<auth::Session>(checked);
    auto principal = auth_->principal(session);
    json::value body;
    try {
      body = json::parse(req.body);
    } catch (const std::exception&) {
      throw invalid_input("the body is not JSON");
    }
    if (!body.is_object()) throw invalid_input("the body must be a JSON object");
    const auto& o = body.as_object();
    auto field = [&](std::string_view key, std::size_t max) {
      const auto* v = o.if_contains(key);
      if (!v || v->is_null()) return std::string();
      if (!v->is_string()) throw invalid_input("\"" + std::string(key) + "\" must be a string");
      std::string s(text::trim(v->as_string()));
      if (s.size() > max) throw invalid_input("\"" + std::string(key) + "\" is longer than " + std::to_string(max));
      return s;
    };
    auto verb_name = field("verb", 32);
    auto verb = chat::parse_action_verb(verb_name);
    if (!verb) throw invalid_input("verb: expected approve, reject, not_anomaly, ack or details");
    chat::ChatAction action;
    action.verb = *verb;
    action.subject = field("subject", 200);
    if (action.subject.empty()) throw invalid_input("subject: what the click is about, e.g. approval:42:0");
    action.reason = field("reason", 2000);
    if (action.verb == chat::ActionVerb::reject && action.reason.empty())
      throw invalid_input("a reason is required to reject");
    // The actor is the signed-in person, never a field of the request. A field may only name
    // someone to act for, and only with an explicit grant (access.act_for); it is audited so.
    if (o.contains("actor"))
      throw invalid_input("\"actor\" is not accepted: the actor is the signed-in person (use \"acting_for\" with a grant)");
    auto acting_for = field("acting_for", 100);
    if (!acting_for.empty() && acting_for != session.user_id) {
      if (!svc_.authorizer().may_act_for(principal, acting_for))
        throw Error(ErrorKind::forbidden, session.user_id + " has no grant to act for " + acting_for + " (access.act_for)");
      action.acting_for = acting_for;
      action.grant = "access.act_for";
    }
    action.actor = {"web", session.user_id, principal.name};
    action.message = {"web", field("feed", 200), action.subject, false, ""};

    auto outcome = svc_.action_handler().handle(action, svc_.db(), svc_.clock().now());
    if (outcome.queued_effects) svc_.wake_outbox();
    spdlog::info("web action {} {} by web:{}{}{}", chat::to_string(action.verb), action.subject, action.actor.user_id,
                 action.acting_for.empty() ? "" : " for " + action.acting_for,
                 outcome.queued_effects ? " (effects queued)" : "");
    json::object answer{{"ok", true}, {"queued_effects", outcome.queued_effects}};
    if (outcome.reply_to_actor) answer["message"] = plain_text(*outcome.reply_to_actor);
    return Response::json(200, answer);
  }

 private:
  service::Service& svc_;
  const config::WebConfig& config_;
  std::shared_ptr<const webauth::WebAuth> auth_;
  std::string index_html_, sign_in_html_, app_js_, spend_js_, app_css_, favicon_svg_;
};

// Prints the local operator's one-time sign-in link once the server listens (its port is known
// then), when no identity provider is configured: the way Jupyter prints its token. It goes to
// standard output, not to the log.
class SignInLinkPrinter final : public service::Component {
 public:
  std::string name() const override { return "web sign-in link"; }
  void start(service::Service& svc) override {
    const auto& c = svc.config();
    if (!c.web.providers.empty()) return;
    // Reachable from elsewhere but nobody can sign in except through the console: say so.
    auto host = webauth::url_host(c.server.public_url);
    const bool remote = !host.empty() && host != "localhost" && host != "[::1]" && !host.starts_with("127.");
    if (remote || c.web.access == "open")
      spdlog::warn("web: no identity provider is configured (web.providers) although {}: only the local operator can "
                   "sign in, through one-time links; configure Slack, Entra ID or another OpenID Connect provider",
                   remote ? "server.public_url is " + c.server.public_url : std::string("web.access is open"));
    std::string base = c.server.public_url_derived ? svc.url() : c.public_base_url();
    auto token = auth::create_sign_in_link(svc.db(), c.web.sign_in_link_ttl, "serve", svc.clock().now());
    std::fflush(stderr);
    std::printf("\n    Sign in to the web channel as the local operator (%s) with this one-time link\n"
                "    (valid %lld minutes; `costbot web sign-in-link` makes another):\n\n        %s/auth/local?token=%s\n\n",
                c.web.local_operator.c_str(), static_cast<long long>(c.web.sign_in_link_ttl / 60), base.c_str(),
                token.c_str());
    std::fflush(stdout);
    spdlog::info("web: a one-time sign-in link for the local operator was printed on standard output");
  }
  void stop() override {}
};

// web.post / web.update: the message rendered as a post of its feed, and its copy recorded (the
// feed and subject are where it landed).
json::value deliver_web_message(const render::Templates& templates, const messages::Address& to,
                                const messages::Message& message, bool notice, const outbox::Item& item,
                                outbox::DeliveryContext& ctx) {
  if (to.target.empty()) throw outbox::DeliveryError(item.kind + " has no feed", false);
  Post post;
  try {
    post = render_post(templates, to.target, message);
    if (notice) post.version = 0;
    post_from_payload(to_json(post));  // the same checks as any post (sizes, actions)
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::invalid_input && e.kind() != ErrorKind::not_found) throw;
    throw outbox::DeliveryError(e.what(), false);  // a malformed message never gets better
  }
  const bool versioned = post.version > 0;
  messages::CopyStore copies(ctx.db);
  auto tx = ctx.db.begin_write();
  auto outcome = store_post(ctx.db, post, versioned, ctx.now);
  if (versioned) {
    auto copy = copies.find(message.subject, to);
    if (!copy) copy = copies.plan(message.subject, to, item.idempotency_key, ctx.now);
    if (!copy->landed()) copies.landed(copy->id, to.target, message.subject, "", post.version, ctx.now);
    else copies.shown(copy->id, post.version, ctx.now);
  }
  tx.commit();
  spdlog::debug("{} {} {} v{}: {}", item.kind, post.feed, post.subject, post.version, to_string(outcome));
  return json::object{{"feed", post.feed}, {"subject", post.subject}, {"stored", to_string(outcome)}};
}

}  // namespace

void install(service::Service& svc, const std::string& templates_root) {
  auto templates = svc.templates_ptr();
  outbox::register_typed<messages::ChatPost>(svc.outbox(), messages::post_kind("web"),
                                             [templates](const messages::ChatPost& p, const outbox::Item& item,
                                                         outbox::DeliveryContext& ctx) {
                                               return deliver_web_message(*templates, p.to, p.message, p.in_thread, item, ctx);
                                             });
  outbox::register_typed<messages::ChatUpdate>(svc.outbox(), messages::update_kind("web"),
                                               [templates](const messages::ChatUpdate& u, const outbox::Item& item,
                                                           outbox::DeliveryContext& ctx) {
                                                 return deliver_web_message(*templates, u.to, u.message, false, item, ctx);
                                               });
  if (svc.config().web.access == "off") {
    spdlog::info("web channel off (web.access: off): web posts are stored, no page is served");
    return;
  }
  auto auth = std::make_shared<const webauth::WebAuth>(svc.config());
  auto c = std::make_shared<Channel>(svc, load_assets(templates_root), auth);
  auto& r = svc.router();
  r.add("GET", "/", [c](Request& req) { return c->page(req); });
  r.add("GET", "/web/app.js", [c](Request& req) { return c->script(req); });
  r.add("GET", "/web/app.css", [c](Request& req) { return c->stylesheet(req); });
  r.add("GET", "/web/favicon.svg", [c](Request& req) { return c->icon(req); });
  r.add("GET", "/web/feeds", [c](Request& req) { return c->feeds(req); });
  r.add("GET", "/web/feed", [c](Request& req) { return c->feed(req); });
  r.add("GET", "/web/findings", [c](Request& req) { return c->findings(req); });
  r.add("GET", "/web/incidents", [c](Request& req) { return c->incidents(req); });
  r.add("GET", "/web/tickets", [c](Request& req) { return c->tickets(req); });
  r.add("GET", "/web/spend.js", [c](Request& req) { return c->spend_script(req); });
  r.add("GET", "/web/spend", [c](Request& req) { return c->spend(req); });
  r.add("GET", "/web/compare", [c](Request& req) { return c->compare(req); });
  r.add("GET", "/web/summary", [c](Request& req) { return c->summary(req); });
  r.add("GET", "/web/savings", [c](Request& req) { return c->savings(req); });
  r.add("POST", "/web/actions", [c](Request& req) { return c->act(req); });
  for (const char* kind : {"incidents", "findings", "approvals"})
    r.add("GET", std::string("/") + kind + "/{id}",
          [c, kind = std::string(kind)](Request& req) { return c->deep_link(req, kind); });
  r.add("GET", "/auth/local", [c](Request& req) { return c->local_sign_in(req); });
  r.add("POST", "/auth/logout", [c](Request& req) { return c->logout(req); });
  r.add("GET", "/auth/me", [c](Request& req) { return c->me(req); });
  webauth::install_oidc_routes(svc, auth, [c](const std::string& problem) { return c->sign_in_page(problem); });
  svc.add_component(std::make_shared<SignInLinkPrinter>());
}

}  // namespace costbot::web
