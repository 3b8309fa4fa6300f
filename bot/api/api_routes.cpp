#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cctype>
#include <cmath>

#include "bot/api/api.hpp"
#include "bot/api/auth.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/tickets/finding_requests.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::api {
namespace json = boost::json;
using server::Request;
using server::Respond;
using server::Response;

namespace {

// A client address may send this many bad or missing tokens before it is slowed down.
constexpr double kFailuresPerMinute = 10, kFailureBurst = 10;

struct Call {
  Request& req;
  const config::ApiToken& token;
  const auth::Principal& principal;
  storage::Database& db;
  UnixSeconds now;
};

struct Api {
  service::Service& svc;
  approvals::Approvals engine;
  RateLimiter limiter;

  Api(service::Service& s, const std::string& templates_root)
      : svc(s), engine(s.config(), render::Templates(templates_root)) {}
};
using ApiHandler = Response (*)(Api&, Call&);

Response too_many(const std::string& message, std::chrono::seconds retry_after, const std::string& request_id) {
  auto r = server::error_response(429, message, request_id);
  r.with_header("Retry-After", std::to_string(retry_after.count()));
  return r;
}

Response unauthorized(const std::string& message, const std::string& request_id) {
  auto r = server::error_response(401, message, request_id);
  for (auto& [name, value] : r.headers)
    if (name == "WWW-Authenticate") value = "Bearer realm=\"costbot\"";
  return r;
}

std::string client_address(const std::string& remote) {
  auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

// ---- parameters ----

std::optional<bool> flag(const Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "0") return false;
  throw invalid_input(std::string(name) + ": expected true or false, got \"" + *v + "\"");
}

std::size_t limit(const Request& req, std::size_t fallback, std::size_t max) {
  auto v = req.query_param("limit");
  if (!v) return fallback;
  auto n = text::parse_int(*v);
  if (!n || *n < 1 || static_cast<std::size_t>(*n) > max)
    throw invalid_input("limit: expected 1.." + std::to_string(max) + ", got \"" + *v + "\"");
  return static_cast<std::size_t>(*n);
}

std::optional<Day> day_param(const Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  auto d = parse_day(*v);
  if (!d) throw invalid_input(std::string(name) + ": expected a date like 2024-09-18, got \"" + *v + "\"");
  return d;
}

std::int64_t id_param(const Request& req, char prefix, const char* what) {
  std::string_view id = req.param("id");
  if (!id.empty() && (id.front() == prefix || id.front() == std::tolower(prefix))) id.remove_prefix(1);
  auto n = text::parse_int(id);
  if (!n || *n <= 0) throw not_found(std::string("no ") + what + " \"" + req.param("id") + "\"");
  return *n;
}

json::object body_object(const Request& req) {
  auto type = req.header("content-type");
  if (!type || !text::starts_with_icase(*type, "application/json"))
    throw invalid_input("expected Content-Type: application/json");
  json::value v;
  try {
    v = json::parse(req.body);
  } catch (const std::exception&) {
    throw invalid_input("the body is not valid JSON");
  }
  if (!v.is_object()) throw invalid_input("the body must be a JSON object");
  return v.as_object();
}

std::string string_field(const json::object& o, std::string_view key, bool required = false) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) throw invalid_input("\"" + std::string(key) + "\" is required");
    return {};
  }
  if (!v->is_string()) throw invalid_input("\"" + std::string(key) + "\" must be a string");
  return std::string(v->as_string());
}

std::optional<double> number_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  throw invalid_input("\"" + std::string(key) + "\" must be a number");
}

// ---- handlers ----

Response costs(Api& api, Call& c) {
  auto by_name = c.req.query_param("by").value_or("service");
  auto by = query::parse_dimension(by_name);
  if (!by)
    throw invalid_input("by: unknown dimension \"" + by_name + "\" (valid: " + text::join(query::dimension_names(), ", ") + ")");
  query::Period period = query::between(day_param(c.req, "from"), day_param(c.req, "to"));
  if (auto text = c.req.query_param("period")) {
    if (c.req.query_param("from") || c.req.query_param("to"))
      throw invalid_input("period: give either period or from/to, not both");
    auto p = query::parse_period(*text, api.svc.clock().today());
    if (!p) throw invalid_input("period: expected 7d, 30d, mtd, last-month, YYYY-MM or FROM..TO, got \"" + *text + "\"");
    period = *p;
  }
  query::Filters filters;
  for (const auto& w : c.req.query_params("where")) {
    auto eq = w.find('=');
    auto dim = eq == std::string::npos ? std::nullopt : query::parse_dimension(w.substr(0, eq));
    if (!dim) throw invalid_input("where: expected DIMENSION=VALUE such as team=payments, got \"" + w + "\"");
    filters.push_back({*dim, w.substr(eq + 1)});
  }
  query::CostQuery q(c.db);
  auto total_row = [](const query::CostTotal& t) {
    return json::object{{"key", t.key}, {"label", t.label}, {"billed", t.billed}, {"effective", t.effective},
                        {"list", t.list},  {"rows", t.rows}};
  };
  json::array totals;
  for (const auto& t : q.totals(*by, period, filters, limit(c.req, 100, 10000))) totals.push_back(total_row(t));
  auto grand = total_row(q.grand_total(period, filters));
  grand.erase("key");
  grand.erase("label");
  return Response::json(200, {{"by", std::string(query::name_of(*by))},
                              {"period", {{"from", format_day(period.from)},
                                          {"to", format_day(period.to - std::chrono::days{1})},
                                          {"label", period.label}}},
                              {"currency", api.svc.config().currency.base},
                              {"totals", totals},
                              {"total", grand}});
}

detect::FindingQuery finding_query(const Request& req) {
  detect::FindingQuery q;
  q.open_only = flag(req, "open").value_or(false);
  q.team = req.query_param("team").value_or("");
  q.kind = req.query_param("kind").value_or("");
  q.limit = limit(req, 100, 1000);
  return q;
}

Response findings(Api&, Call& c) {
  json::array items;
  for (const auto& f : detect::FindingStore(c.db).findings(finding_query(c.req))) items.push_back(detect::to_json(f));
  return Response::json(200, {{"findings", items}});
}

Response finding(Api&, Call& c) {
  auto id = id_param(c.req, 'F', "finding");
  auto f = detect::FindingStore(c.db).finding(id);
  if (!f) throw not_found("no finding F" + std::to_string(id));
  return Response::json(200, detect::to_json(*f));
}

Response incidents(Api&, Call& c) {
  json::array items;
  for (const auto& i : detect::FindingStore(c.db).incidents(finding_query(c.req))) items.push_back(detect::to_json(i));
  return Response::json(200, {{"incidents", items}});
}

Response incident(Api&, Call& c) {
  auto id = id_param(c.req, 'I', "incident");
  detect::FindingStore store(c.db);
  auto i = store.incident(id);
  if (!i) throw not_found("no incident I" + std::to_string(id));
  json::array fs;
  for (const auto& f : store.findings(detect::FindingQuery().in_incident(id))) fs.push_back(detect::to_json(f));
  auto o = detect::to_json(*i);
  o["findings"] = fs;
  return Response::json(200, o);
}

Response budgets(Api& api, Call& c) {
  auto as_of = day_param(c.req, "as_of");
  if (!as_of) {
    auto range = query::CostQuery(c.db).data_range();
    as_of = range ? range->second : api.svc.clock().today();
  }
  json::array items;
  for (const auto& s : detect::budget_statuses(c.db, api.svc.config(), *as_of)) items.push_back(detect::to_json(s));
  return Response::json(200, {{"as_of", format_day(*as_of)}, {"budgets", items}});
}

json::object request_summary(const approvals::RequestRecord& r) {
  return {{"id", r.id},
          {"title", r.title},
          {"team", r.team},
          {"amount", r.amount},
          {"severity", r.severity},
          {"status", r.status},
          {"stage", r.current_stage ? json::value(*r.current_stage + 1) : json::value(nullptr)},
          {"workflow", r.workflow},
          {"requester", r.requester},
          {"finding_id", r.finding_id},
          {"created_at", format_instant(r.created_at)},
          {"updated_at", format_instant(r.updated_at)}};
}

Response approval_list(Api&, Call& c) {
  json::array items;
  for (const auto& r : approvals::list_requests(c.db, flag(c.req, "open").value_or(false)))
    items.push_back(request_summary(r));
  return Response::json(200, {{"approvals", items}});
}

json::object request_view(Api& api, storage::Database& db, std::int64_t id) {
  auto record = approvals::load_request(db, id);
  if (!record) throw not_found("there is no approval request #" + std::to_string(id));
  return api.engine.view(*record);
}

Response approval(Api& api, Call& c) { return Response::json(200, request_view(api, c.db, id_param(c.req, '#', "approval request"))); }

// The person a request or decision is for: the token's own actor, or — with an explicit grant
// (the token's act_for, access.act_for) — the one the body names. Nobody else.
struct Acting {
  std::string person;  // whose request / decision it is
  std::string actor;   // who acts (the token's actor, else api:NAME)
  std::string grant;   // set when person != actor
};

Acting acting_person(Api& api, Call& c, const std::string& named, const char* field) {
  Acting a;
  a.actor = c.token.actor.empty() ? "api:" + c.token.name : c.token.actor;
  if (named.empty() || named == c.token.actor) {
    if (c.token.actor.empty())
      throw invalid_input("\"" + std::string(field) + "\" is required: token \"" + c.token.name +
                          "\" acts as nobody (it has no actor)");
    a.person = c.token.actor;
    return a;
  }
  if (!api.svc.authorizer().may_act_for(c.principal, named, c.token.act_for))
    throw Error(ErrorKind::forbidden, "token \"" + c.token.name + "\" " +
                                          (c.token.actor.empty() ? std::string("acts as nobody")
                                                                 : "acts as " + c.token.actor) +
                                          " and has no grant to act for " + named +
                                          " (api.tokens[].act_for or access.act_for)");
  a.person = named;
  a.grant = "api.tokens[" + c.token.name + "].act_for";
  return a;
}

// The person acted for, as a principal with their own roles (the grant does not add any).
auth::Principal person_principal(const Acting& a, const Call& c) {
  if (a.grant.empty()) return c.principal;
  auth::Principal p;
  p.platform = "api";
  p.user_id = a.person;
  p.name = a.person;
  p.via = c.principal.via + " for " + a.person;
  return p;
}

Response create_approval(Api& api, Call& c) {
  auto body = body_object(c.req);
  if (body.if_contains("workflow") && !body.at("workflow").is_null())
    throw invalid_input("\"workflow\" cannot be chosen: the service picks it from the amount and kind (approvals.tiers)");
  auto acting = acting_person(api, c, string_field(body, "requester"), "requester");
  api.svc.authorizer().require(person_principal(acting, c), auth::Action::request_approval);
  approvals::RequestFacts f;
  f.requester = acting.person;
  auto amount = number_field(body, "amount");
  if (auto finding_text = string_field(body, "finding_id"); !finding_text.empty()) {
    // A finding's request carries the finding's own facts: its amount picks the workflow.
    std::string_view digits = finding_text;
    if (!digits.empty() && (digits.front() == 'F' || digits.front() == 'f')) digits.remove_prefix(1);
    auto id = text::parse_int(digits);
    auto finding = id && *id > 0 ? detect::FindingStore(c.db).finding(*id) : std::nullopt;
    if (!finding) throw not_found("there is no finding \"" + finding_text + "\"");
    auto known = tickets::finding_facts(api.svc.config(), *finding);
    if (amount && std::abs(*amount - known.amount) > 0.005)
      throw Error(ErrorKind::conflict, "finding " + known.id + "'s impact is " + std::to_string(known.amount) +
                                           "; its request carries that amount, not " + std::to_string(*amount));
    f.amount = known.amount;
    f.kind = known.kind;
    f.severity = known.severity;
    f.team = api.svc.config().find_team(known.team) ? known.team : "";
    f.finding_id = known.id;
    f.title = known.title;
    f.facts = known.facts;
    if (!known.team.empty() && f.team.empty()) f.facts["reported_team"] = known.team;
  } else {
    if (!amount || *amount < 0) throw invalid_input("\"amount\" is required: the dollar impact, 0 or more");
    f.amount = *amount;
    f.team = string_field(body, "team");
    f.severity = string_field(body, "severity");
    f.kind = string_field(body, "kind");
  }
  if (auto title = string_field(body, "title", f.title.empty()); !title.empty()) f.title = title;
  if (f.title.empty() || f.title.size() > 300) throw invalid_input("\"title\" must be 1..300 characters");
  if (auto summary = string_field(body, "summary"); !summary.empty()) f.facts["summary"] = summary;
  if (const auto* facts = body.if_contains("facts"); facts && !facts->is_null()) {
    if (!facts->is_object()) throw invalid_input("\"facts\" must be an object");
    for (const auto& kv : facts->as_object()) f.facts[kv.key()] = kv.value();
  }
  if (!acting.grant.empty()) f.facts["opened_by"] = acting.actor + " for " + acting.person + " (" + acting.grant + ")";
  auto created = api.engine.create_request(c.db, f, c.now);
  api.svc.wake_outbox();
  spdlog::info("API: approval request #{} opened by token {} for {} ({})", created.id, c.token.name, acting.person,
               created.workflow);
  return Response::json(201, {{"id", created.id},
                              {"workflow", created.workflow},
                              {"created", created.created},
                              {"request", request_view(api, c.db, created.id)}})
      .with_header("Location", "/api/v1/approvals/" + std::to_string(created.id));
}

int status_for(approvals::Outcome o) {
  using approvals::Outcome;
  switch (o) {
    case Outcome::applied:
    case Outcome::stage_advanced:
    case Outcome::approved_final:
    case Outcome::rejected: return 200;
    case Outcome::not_an_approver:
    case Outcome::self_approval_forbidden: return 403;
    case Outcome::already_decided:
    case Outcome::stage_not_active:
    case Outcome::request_closed: return 409;
    case Outcome::not_found: return 404;
  }
  return 500;
}

Response decide(Api& api, Call& c) {
  auto body = body_object(c.req);
  approvals::Decision d;
  d.request_id = id_param(c.req, '#', "approval request");
  auto verdict = approvals::parse_verdict(string_field(body, "verdict", true));
  if (!verdict) throw invalid_input("\"verdict\" must be approve or reject");
  d.verdict = *verdict;
  d.reason = string_field(body, "reason");
  if (d.reason.size() > 2000) throw invalid_input("\"reason\" is longer than 2000 characters");
  auto acting = acting_person(api, c, string_field(body, "actor"), "actor");
  auto person = person_principal(acting, c);
  auto allowed = api.svc.authorizer().check(person, auth::Action::decide_approval);
  // A delegate decides for an approver without being one by config.
  if (!allowed.allowed && approvals::active_delegations_to(c.db, acting.person, c.now).empty())
    throw Error(ErrorKind::forbidden, allowed.reason);
  d.actor = acting.actor;
  if (!acting.grant.empty()) {
    d.acting_for = acting.person;
    d.grant = acting.grant;
  }
  if (const auto* stage = body.if_contains("stage"); stage && !stage->is_null()) {
    if (!stage->is_int64() && !stage->is_uint64()) throw invalid_input("\"stage\" is a stage number: 1, 2, ...");
    auto n = stage->is_int64() ? stage->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(stage->as_uint64(), 1u << 20));
    if (n < 1 || n > 1000) throw invalid_input("\"stage\" is a stage number: 1, 2, ...");
    d.stage = static_cast<int>(n) - 1;
  }
  d.source = "api:" + c.token.name;
  auto result = api.engine.decide(c.db, d, c.now);
  if (approvals::changed_state(result.outcome)) api.svc.wake_outbox();
  json::array principals;
  for (const auto& p : result.principals) principals.push_back(json::value(p));
  const int status = status_for(result.outcome);
  json::object answer{{"outcome", approvals::to_string(result.outcome)},
                      {"message", result.message},
                      {"approval_id", result.request_id},
                      {"stage", result.stage >= 0 ? json::value(result.stage + 1) : json::value(nullptr)},
                      {"request_status", result.request_status},
                      {"principals", principals}};
  if (status != 200) {
    // An error like every other: the reason, plus what the engine said.
    auto r = server::error_response(status, result.message, c.req.id);
    auto o = json::parse(r.body).as_object();
    o["outcome"] = approvals::to_string(result.outcome);
    return Response::json(status, o);
  }
  return Response::json(200, answer);
}

}  // namespace

void install(service::Service& svc, const std::string& templates_root) {
  auto api = std::make_shared<Api>(svc, templates_root);
  const auto& config = svc.config().api;
  auto& router = svc.router();

  // Every route names the action it performs; engine/auth decides (decisions and requests also
  // check the person they are for, in their handlers).
  auto add = [&](std::string method, std::string pattern, ApiHandler handler, auth::Action action) {
    if (!config.enabled()) {
      router.add(method, pattern, [](Request& req) {
        return server::error_response(503, "the REST API is not configured on this service: set api.tokens or "
                                           "COSTBOT_API_TOKENS", req.id);
      });
      return;
    }
    router.add_async(std::move(method), std::move(pattern),
                     [api, handler, action](Request&& req, Respond respond) {
      const auto& cfg = api->svc.config().api;
      const config::ApiToken* token = nullptr;
      try {
        token = &authenticate(cfg, req.header("authorization"));
      } catch (const Error& e) {
        // Guessing tokens is slowed down per client address; the reason never echoes the token.
        const auto client = req.client.empty() ? client_address(req.remote) : req.client;
        auto d = api->limiter.take("unauthenticated:" + client, kFailuresPerMinute, kFailureBurst);
        spdlog::info("API {} {}: {} (from {})", req.method, req.path, e.what(), client);
        if (!d.allowed) return respond(too_many("too many requests with a bad or missing token", d.retry_after, req.id));
        return respond(unauthorized(e.what(), req.id));
      }
      auto per_minute = static_cast<double>(token->requests_per_minute ? token->requests_per_minute : cfg.requests_per_minute);
      auto burst = static_cast<double>(token->burst ? token->burst : cfg.burst);
      if (auto d = api->limiter.take("token:" + token->name, per_minute, burst); !d.allowed) {
        spdlog::info("API {} {}: token {} over its rate limit", req.method, req.path, token->name);
        return respond(too_many("rate limit of token \"" + token->name + "\" exceeded (" +
                                    std::to_string(static_cast<long long>(per_minute)) + "/minute)",
                                d.retry_after, req.id));
      }
      boost::asio::post(api->svc.work_pool(), [api, handler, action, token, req = std::move(req), respond]() mutable {
        log::ScopedRequestId scope(req.id);
        try {
          auto principal = principal_of(*token);
          // Decisions check the person decided for (with their delegations) in the handler.
          if (action != auth::Action::decide_approval) api->svc.authorizer().require(principal, action);
          Call call{req, *token, principal, api->svc.db(), api->svc.clock().now()};
          respond(handler(*api, call));
        } catch (...) {
          respond(server::error_response_for(std::current_exception(), req));
        }
      });
    });
  };
  using auth::Action;
  add("GET", "/api/v1/costs", costs, Action::view);
  add("GET", "/api/v1/findings", findings, Action::view);
  add("GET", "/api/v1/findings/{id}", finding, Action::view);
  add("GET", "/api/v1/incidents", incidents, Action::view);
  add("GET", "/api/v1/incidents/{id}", incident, Action::view);
  add("GET", "/api/v1/budgets", budgets, Action::view);
  add("GET", "/api/v1/approvals", approval_list, Action::view);
  add("GET", "/api/v1/approvals/{id}", approval, Action::view);
  add("POST", "/api/v1/approvals", create_approval, Action::request_approval);
  add("POST", "/api/v1/approvals/{id}/decisions", decide, Action::decide_approval);
  if (!config.enabled()) spdlog::info("REST API off: no api.tokens / COSTBOT_API_TOKENS");
}

}  // namespace costbot::api
