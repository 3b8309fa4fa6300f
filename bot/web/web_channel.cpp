#include "bot/web/web_channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "bot/web/web_feed.hpp"
#include "bot/web/web_views.hpp"
#include "engine/approvals/records.hpp"
#include "engine/detect/finding_store.hpp"
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

class Channel {
 public:
  Channel(service::Service& svc, Assets assets)
      : svc_(svc), config_(svc.config().web), csrf_token_(hash::random_hex(24)) {
    allowed_hosts_ = {"localhost", "127.0.0.1", "[::1]"};
    if (auto h = url_host(svc.config().server.public_url); !h.empty()) allowed_hosts_.push_back(h);
    index_html_ = text::replace_all(assets.index_html, "{{csrf_token}}", csrf_token_);
    index_html_ = text::replace_all(index_html_, "{{poll_ms}}", std::to_string(config_.poll_ms));
    app_js_ = std::move(assets.app_js);
    app_css_ = std::move(assets.app_css);
    favicon_svg_ = std::move(assets.favicon_svg);
  }

  void check_reader(const Request& req) const {
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

  // A state-changing request must come from the page itself (see web_channel.hpp on CSRF).
  std::optional<Response> check_writer(const Request& req) const {
    check_reader(req);
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
    auto token = req.header("x-csrf-token");
    if (!token || !hash::equal_constant_time(*token, csrf_token_))
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

  Response page(const Request& req) const {
    check_reader(req);
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = index_html_;
    // Nothing but this origin's own script, style and images (charts): no CDN, no inline script.
    r.with_header("Content-Security-Policy",
                  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    r.with_header("X-Content-Type-Options", "nosniff");
    r.with_header("Referrer-Policy", "no-referrer");
    r.with_header("Cache-Control", "no-store");  // it carries this process's CSRF token
    return r;
  }

  // GET /incidents/{id}, /findings/{id}, /approvals/{id}: where "Open in costbot" and the approval
  // links of every message lead. The page, under the page's own access rules; 404 when there is
  // no such thing here (ids as messages write them: 12, F12, I3, #4).
  Response deep_link(const Request& req, const std::string& kind) const {
    check_reader(req);
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
    check_reader(req);
    return asset(app_js_, "text/javascript; charset=utf-8");
  }

  Response stylesheet(const Request& req) const {
    check_reader(req);
    return asset(app_css_, "text/css; charset=utf-8");
  }

  Response icon(const Request& req) const {
    check_reader(req);
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
    auto actor = field("actor", 100);
    // No accounts here (web.access): the page says whom it acts as.
    action.actor = {"web", actor.empty() ? "web-user" : actor, actor.empty() ? "web user" : actor};
    action.message = {"web", field("feed", 200), action.subject, false, ""};

    auto outcome = svc_.action_handler().handle(action, svc_.db(), svc_.clock().now());
    if (outcome.queued_effects) svc_.wake_outbox();
    spdlog::info("web action {} {} by web:{}{}", chat::to_string(action.verb), action.subject, action.actor.user_id,
                 outcome.queued_effects ? " (effects queued)" : "");
    json::object answer{{"ok", true}, {"queued_effects", outcome.queued_effects}};
    if (outcome.reply_to_actor) answer["message"] = plain_text(*outcome.reply_to_actor);
    return Response::json(200, answer);
  }

 private:
  service::Service& svc_;
  const config::WebConfig& config_;
  std::string csrf_token_;
  std::vector<std::string> allowed_hosts_;
  std::string index_html_, app_js_, app_css_, favicon_svg_;
};

json::value deliver_web_post(const outbox::Item& item, outbox::DeliveryContext& ctx) {
  Post post;
  try {
    post = post_from_payload(item.payload);
  } catch (const Error& e) {
    throw outbox::DeliveryError(e.what(), false);  // a malformed payload never gets better
  }
  const bool versioned = item.payload.if_contains("version") != nullptr;
  auto tx = ctx.db.begin_write();
  auto outcome = store_post(ctx.db, post, versioned, ctx.now);
  tx.commit();
  spdlog::debug("web.post {} {} v{}: {}", post.feed, post.subject, post.version, to_string(outcome));
  return json::object{{"feed", post.feed}, {"subject", post.subject}, {"stored", to_string(outcome)}};
}

}  // namespace

void install(service::Service& svc, const std::string& templates_root) {
  svc.outbox().register_handler("web.post", deliver_web_post);
  if (svc.config().web.access == "off") {
    spdlog::info("web channel off (web.access: off): web.post effects are stored, no page is served");
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
}

}  // namespace costbot::web
