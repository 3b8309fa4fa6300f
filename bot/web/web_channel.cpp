#include "bot/web/web_channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "bot/web/web_feed.hpp"
#include "bot/web/web_views.hpp"
#include "engine/approvals/records.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/messages/copies.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::web {
namespace json = boost::json;
using server::Request;
using server::Response;

namespace {

// The page is data, like the message templates beside it: it ships in templates/ (which the
// container image and the systemd install already carry), so changing its wording or layout needs
// no rebuild. It is read once at start (three small files) and kept in memory.
struct Assets {
  std::string index_html, app_js, app_css, favicon_svg;
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
  return {read_asset(dir / "index.html"), read_asset(dir / "app.js"), read_asset(dir / "app.css"),
          read_asset(dir / "favicon.svg")};
}

// "127.0.0.1:5555", "::1:5555", "::ffff:127.0.0.1:5555" → is the peer this machine?
bool loopback_peer(std::string_view remote) {
  auto colon = remote.rfind(':');
  auto address = colon == std::string_view::npos ? remote : remote.substr(0, colon);
  if (address.starts_with("::ffff:")) address.remove_prefix(7);
  return address.starts_with("127.") || address == "::1";
}

// "localhost:8080" → "localhost", "[::1]:8080" → "[::1]", lower-cased.
std::string host_name(std::string_view host) {
  std::string h = text::to_lower(text::trim(host));
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(0, close + 1);
  }
  auto colon = h.rfind(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

// The host part of an http(s) URL, lower-cased ("" when there is none).
std::string url_host(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  auto rest = std::string_view(url).substr(scheme + 3);
  return host_name(rest.substr(0, rest.find('/')));
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

// The page a browser without a session gets: how the operator signs in (no script, no values).
constexpr std::string_view kWebSignInPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>costbot: sign in</title>
<link rel="stylesheet" href="/web/app.css"></head>
<body><main class="sign-in" data-testid="sign-in">
<h1>costbot</h1>
<p>Sign in first. <code>costbot serve</code> printed a sign-in link for the local operator on its
standard output when it started (<code>/auth/local?token=&hellip;</code>): open it in this browser.</p>
</main></body></html>
)html";

// A browser's sign-in: the cookie value is random, only its SHA-256 is kept (in memory: a restart
// signs everyone out). The CSRF token belongs to the session, so a page served to one browser is no
// use to another.
struct WebChannelSession {
  std::string csrf_token;
  UnixSeconds expires_at = 0;
};

constexpr std::string_view kWebSessionCookie = "costbot_session";
constexpr std::int64_t kWebSessionLifetime = 12 * 3600;

// The sign-in token of each running channel, for `web::local_sign_in_path` (tests and tools that
// start the service in-process; `serve` prints it).
std::mutex& sign_in_registry_mutex() {
  static std::mutex m;
  return m;
}
std::unordered_map<const service::Service*, std::string>& sign_in_registry() {
  static std::unordered_map<const service::Service*, std::string> tokens;
  return tokens;
}

class Channel {
 public:
  Channel(service::Service& svc, Assets assets)
      : svc_(svc), config_(svc.config().web), sign_in_token_(hash::random_hex(32)) {
    allowed_hosts_ = {"localhost", "127.0.0.1", "[::1]"};
    if (auto h = url_host(svc.config().server.public_url); !h.empty()) allowed_hosts_.push_back(h);
    secure_cookie_ = text::starts_with_icase(svc.config().server.public_url, "https://");
    index_html_ = text::replace_all(assets.index_html, "{{poll_ms}}", std::to_string(config_.poll_ms));
    app_js_ = std::move(assets.app_js);
    app_css_ = std::move(assets.app_css);
    favicon_svg_ = std::move(assets.favicon_svg);
  }

  const std::string& sign_in_token() const { return sign_in_token_; }

  // Who may connect at all (web.access) and to which names. This grants nothing: every route
  // that shows or changes data also needs a signed-in session (a reverse proxy on this machine
  // makes every client look local).
  void check_transport(const Request& req) const {
    if (config_.access != "local") return;
    if (!loopback_peer(req.remote))
      throw Error(ErrorKind::forbidden,
                  "the local web channel answers only on this machine (web.access: local); use web.access: open "
                  "behind an authenticating proxy to reach it from elsewhere");
    auto host = req.header("host");
    std::string name = host ? host_name(*host) : "";
    if (std::find(allowed_hosts_.begin(), allowed_hosts_.end(), name) == allowed_hosts_.end())
      throw Error(ErrorKind::forbidden, "the local web channel answers only to this machine's names (localhost, "
                                        "127.0.0.1, [::1] or server.public_url's host), not \"" + name + "\"");
  }

  // The request's live session, if its cookie names one.
  std::optional<WebChannelSession> session_of(const Request& req) {
    auto cookie = session_cookie(req);
    if (!cookie) return std::nullopt;
    const auto key = hash::sha256_hex(*cookie);
    const auto now = svc_.clock().now();
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return std::nullopt;
    if (it->second.expires_at <= now) {
      sessions_.erase(it);
      return std::nullopt;
    }
    return it->second;
  }

  static std::optional<std::string> session_cookie(const Request& req) {
    for (const auto& [header, value] : req.headers) {
      if (header != "cookie") continue;
      for (const auto& part : text::split(value, ';')) {
        auto pair = text::trim(part);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && text::trim(pair.substr(0, eq)) == kWebSessionCookie)
          return std::string(text::trim(pair.substr(eq + 1)));
      }
    }
    return std::nullopt;
  }

  // Reading needs a signed-in session too: the feeds show teams, spend and who approves what.
  WebChannelSession check_reader(const Request& req) {
    check_transport(req);
    auto session = session_of(req);
    if (!session)
      throw Error(ErrorKind::unauthorized,
                  "sign in first: open the sign-in link `costbot serve` printed (/auth/local?token=...)");
    return *session;
  }

  // GET /auth/local?token=T: the link `serve` printed for the local operator. Whoever holds it
  // reads the service's console, and can act there anyway (`costbot approvals decide --actor`).
  Response local_sign_in(const Request& req) {
    check_transport(req);
    auto token = req.query_param("token").value_or("");
    if (token.empty() || !hash::equal_constant_time(token, sign_in_token_)) {
      spdlog::warn("web: a sign-in with a wrong or missing token was refused");
      throw Error(ErrorKind::forbidden,
                  "this sign-in link is not valid: use the one `costbot serve` printed when it started");
    }
    auto cookie = hash::random_hex(32);
    WebChannelSession s{hash::random_hex(24), svc_.clock().now() + kWebSessionLifetime};
    {
      std::lock_guard lock(sessions_mutex_);
      std::erase_if(sessions_, [now = svc_.clock().now()](const auto& kv) { return kv.second.expires_at <= now; });
      sessions_[hash::sha256_hex(cookie)] = s;
    }
    spdlog::info("web: the local operator signed in with the sign-in link");
    auto r = Response::empty(303);
    r.with_header("Location", "/");
    r.with_header("Set-Cookie", std::string(kWebSessionCookie) + "=" + cookie +
                                    "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                    std::to_string(kWebSessionLifetime) + (secure_cookie_ ? "; Secure" : ""));
    r.with_header("Cache-Control", "no-store");
    r.with_header("Referrer-Policy", "no-referrer");
    return r;
  }

  // A state-changing request must come from the page itself (see web_channel.hpp on CSRF).
  std::optional<Response> check_writer(const Request& req) {
    check_transport(req);
    auto type = req.header("content-type");
    if (!type || !text::starts_with_icase(*type, "application/json"))
      return server::error_response(415, "expected Content-Type: application/json", req.id);
    if (auto site = req.header("sec-fetch-site"); site && *site != "same-origin")
      throw Error(ErrorKind::forbidden, "cross-site request refused (Sec-Fetch-Site: " + std::string(*site) + ")");
    if (auto origin = req.header("origin")) {
      auto host = req.header("host");
      std::string o = text::to_lower(*origin);
      std::string h = host ? text::to_lower(*host) : "";
      if (h.empty() || (o != "http://" + h && o != "https://" + h))
        throw Error(ErrorKind::forbidden, "cross-site request refused (Origin " + std::string(*origin) + ")");
    }
    auto session = check_reader(req);
    auto token = req.header("x-csrf-token");
    if (!token || !hash::equal_constant_time(*token, session.csrf_token))
      throw Error(ErrorKind::forbidden, "missing or stale X-CSRF-Token: reload the page");
    return std::nullopt;
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

  Response page(const Request& req) {
    check_transport(req);
    auto session = session_of(req);
    Response r;
    r.content_type = "text/html; charset=utf-8";
    // Signed out: how to sign in, and nothing else (no CSRF token, no data).
    r.body = session ? text::replace_all(index_html_, "{{csrf_token}}", session->csrf_token) : std::string(kWebSignInPage);
    // Nothing but this origin's own script, style and images (charts): no CDN, no inline script.
    r.with_header("Content-Security-Policy",
                  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    r.with_header("X-Content-Type-Options", "nosniff");
    r.with_header("Referrer-Policy", "no-referrer");
    r.with_header("Cache-Control", "no-store");  // it carries the session's CSRF token
    return r;
  }

  // GET /incidents/{id}, /findings/{id}, /approvals/{id}: where "Open in costbot" and the approval
  // links of every message lead. The page, under the page's own access rules; 404 when there is
  // no such thing here (ids as messages write them: 12, F12, I3, #4).
  // Signed out, the link shows the sign-in page and says nothing of whether the id exists.
  Response deep_link(const Request& req, const std::string& kind) {
    check_transport(req);
    if (!session_of(req)) return page(req);
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

  Response findings(const Request& req) {
    check_reader(req);
    return no_store(Response::json(200, findings_view(svc_.db(), limit_of(req, 50))));
  }

  Response incidents(const Request& req) {
    check_reader(req);
    return no_store(Response::json(200, incidents_view(svc_.db(), limit_of(req, 50))));
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
    if (auto refused = check_writer(req)) return *refused;
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
    if (!verb) throw invalid_input("verb: expected approve, reject, not_anomaly, ack or details, got \"" + verb_name + "\"");
    chat::ChatAction action;
    action.verb = *verb;
    action.subject = field("subject", 200);
    if (action.subject.empty()) throw invalid_input("subject: what the click is about, e.g. approval:42:0");
    action.reason = field("reason", 2000);
    if (action.verb == chat::ActionVerb::reject && action.reason.empty())
      throw invalid_input("a reason is required to reject");
    // Only a signed-in session gets here (check_writer), and the only person who can sign in is
    // the local operator, who holds the service's console and may decide there for any approver
    // (`costbot approvals decide --actor`). So the page names the approver it decides for; the
    // approvals engine still checks that this person approves the stage.
    auto actor = field("actor", 100);
    action.actor = {"web", actor.empty() ? "local-operator" : actor, actor.empty() ? "local operator" : actor};
    action.message = {"web", field("feed", 200), action.subject, false, ""};

    auto outcome = svc_.action_handler().handle(action, svc_.db(), svc_.clock().now());
    if (outcome.queued_effects) svc_.wake_outbox();
    spdlog::info("web action {} {} by web:{} (signed in: the local operator){}", chat::to_string(action.verb),
                 action.subject, action.actor.user_id,
                 outcome.queued_effects ? " (effects queued)" : "");
    json::object answer{{"ok", true}, {"queued_effects", outcome.queued_effects}};
    if (outcome.reply_to_actor) answer["message"] = plain_text(*outcome.reply_to_actor);
    return Response::json(200, answer);
  }

 private:
  service::Service& svc_;
  const config::WebConfig& config_;
  std::string sign_in_token_;
  bool secure_cookie_ = false;
  std::mutex sessions_mutex_;
  std::unordered_map<std::string, WebChannelSession> sessions_;  // SHA-256 of the cookie -> session
  std::vector<std::string> allowed_hosts_;
  std::string index_html_, app_js_, app_css_, favicon_svg_;
};

// Prints the local operator's sign-in link once the server listens (its port is known then), on
// standard output, not in the log: the way Jupyter prints its token.
class WebSignInLinkPrinter final : public service::Component {
 public:
  explicit WebSignInLinkPrinter(std::string token) : token_(std::move(token)) {}
  std::string name() const override { return "web sign-in link"; }
  void start(service::Service& svc) override {
    const auto& c = svc.config();
    std::string base = c.server.public_url_derived ? svc.url() : c.public_base_url();
    std::fflush(stderr);
    std::printf("\n    Sign in to the web channel as the local operator with this link (keep it private; it is\n"
                "    valid until costbot stops):\n\n        %s/auth/local?token=%s\n\n",
                base.c_str(), token_.c_str());
    std::fflush(stdout);
    spdlog::info("web: the local operator's sign-in link was printed on standard output");
  }
  void stop() override {}

 private:
  std::string token_;
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
  auto c = std::make_shared<Channel>(svc, load_assets(templates_root));
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
  r.add("POST", "/web/actions", [c](Request& req) { return c->act(req); });
  for (const char* kind : {"incidents", "findings", "approvals"})
    r.add("GET", std::string("/") + kind + "/{id}",
          [c, kind = std::string(kind)](Request& req) { return c->deep_link(req, kind); });
  r.add("GET", "/auth/local", [c](Request& req) { return c->local_sign_in(req); });
  {
    std::lock_guard lock(sign_in_registry_mutex());
    sign_in_registry()[&svc] = c->sign_in_token();
  }
  svc.add_component(std::make_shared<WebSignInLinkPrinter>(c->sign_in_token()));
}

std::string local_sign_in_path(const service::Service& svc) {
  std::lock_guard lock(sign_in_registry_mutex());
  auto it = sign_in_registry().find(&svc);
  return it == sign_in_registry().end() ? std::string() : "/auth/local?token=" + it->second;
}

}  // namespace costbot::web
