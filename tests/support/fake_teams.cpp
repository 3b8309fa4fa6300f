#include "tests/support/fake_teams.hpp"

#include "adapters/http/form.hpp"
#include "tests/support/eventually.hpp"

namespace costbot::testing {
namespace json = boost::json;
namespace {

std::string percent_decode(std::string_view s, bool& ok) {
  std::string out;
  ok = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) {
      ok = false;
      return out;
    }
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

FakeServerOptions tls() {
  FakeServerOptions o;
  o.tls = true;
  return o;
}

}  // namespace

FakeTeams::FakeTeams(std::string app_id, std::string app_password)
    : app_id_(std::move(app_id)), app_password_(std::move(app_password)), server_(tls()) {
  keys_ = {test_rsa_key("key-1").jwk()};
  server_.on("GET", "/v1/.well-known/openidconfiguration", [this](const RecordedRequest&) {
    return ScriptedResponse::json(200, json::serialize(json::object{
                                           {"issuer", "https://api.botframework.com"},
                                           {"authorization_endpoint", "https://invalid.botframework.test/v1/.well-known/keys"},
                                           {"jwks_uri", jwks_url()},
                                           {"id_token_signing_alg_values_supported", json::array{"RS256"}},
                                           {"token_endpoint_auth_methods_supported", json::array{"private_key_jwt"}}}));
  });
  server_.on("GET", "/v1/.well-known/keys", [this](const RecordedRequest&) {
    std::lock_guard lock(mutex_);
    json::array keys;
    for (const auto& k : keys_) keys.push_back(k);
    return ScriptedResponse::json(200, json::serialize(json::object{{"keys", keys}}));
  });
  server_.on("POST", "/botframework.com/oauth2/v2.0/token", [this](const RecordedRequest& req) { return token_endpoint(req); });
  server_.otherwise([this](const RecordedRequest& req) {
    if (req.path.starts_with("/teams/v3/conversations/")) return connector(req);
    return ScriptedResponse::json(404, R"({"error":{"code":"NotFound","message":"no such endpoint"}})");
  });
}

void FakeTeams::set_keys(std::vector<json::object> jwks) {
  std::lock_guard lock(mutex_);
  keys_ = std::move(jwks);
}

json::object FakeTeams::claims(std::int64_t now) const {
  return {{"serviceurl", service_url()},
          {"nbf", now - 60},
          {"exp", now + 3600},
          {"iss", "https://api.botframework.com"},
          {"aud", app_id_}};
}

std::string FakeTeams::token(std::int64_t now, const std::string& kid) const { return sign_rs256(test_rsa_key(kid), claims(now)); }

void FakeTeams::fail_next_connector_call(ScriptedResponse response) {
  std::lock_guard lock(mutex_);
  connector_failures_.push_back(std::move(response));
}

ScriptedResponse FakeTeams::token_endpoint(const RecordedRequest& req) {
  std::lock_guard lock(mutex_);
  ++token_requests_;
  auto bad = [&](std::string what) {
    violations_.push_back("token endpoint: " + what);
    return ScriptedResponse::json(400, R"({"error":"invalid_request"})");
  };
  if (req.header("content-type").find("application/x-www-form-urlencoded") == std::string::npos)
    return bad("content type " + req.header("content-type"));
  http::FormFields form;
  try {
    form = http::decode_form(req.body);
  } catch (const std::exception&) {
    return bad("body is not form encoded");
  }
  if (http::form_value(form, "grant_type") != "client_credentials") return bad("grant_type is not client_credentials");
  if (http::form_value(form, "scope") != "https://api.botframework.com/.default") return bad("wrong scope");
  if (http::form_value(form, "client_id") != app_id_ || http::form_value(form, "client_secret") != app_password_)
    return ScriptedResponse::json(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret"})");
  std::string token = "fake-connector-token-" + std::to_string(issued_tokens_.size() + 1);
  issued_tokens_.push_back(token);
  return ScriptedResponse::json(
      200, json::serialize(json::object{{"token_type", "Bearer"}, {"expires_in", 3599}, {"ext_expires_in", 3599}, {"access_token", token}}));
}

ScriptedResponse FakeTeams::connector(const RecordedRequest& req) {
  std::lock_guard lock(mutex_);
  auto bad = [&](int status, std::string what) {
    violations_.push_back("connector " + req.method + " " + req.path + ": " + what);
    return ScriptedResponse::json(status, R"({"error":{"code":"BadArgument","message":"rejected by the fake"}})");
  };
  auto auth = req.header("authorization");
  bool known = false;
  for (const auto& t : issued_tokens_) known = known || auth == "Bearer " + t;
  if (!known) return bad(401, "bearer token missing or not issued by the token endpoint");
  if (req.header("content-type").find("application/json") == std::string::npos) return bad(400, "content type not JSON");
  // /teams/v3/conversations/{conv}/activities[/{id}]
  std::string_view rest(req.path);
  rest.remove_prefix(std::string_view("/teams/v3/conversations/").size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad(404, "no /activities");
  bool ok = true;
  ConnectorCall call;
  call.method = req.method;
  call.conversation_id = percent_decode(rest.substr(0, slash), ok);
  if (!ok || call.conversation_id.empty()) return bad(400, "conversation id not percent-encoded");
  if (call.conversation_id.find_first_of(":@;") != std::string::npos &&
      rest.substr(0, slash).find_first_of(":@;") != std::string_view::npos)
    return bad(400, "conversation id sent without percent-encoding");
  rest.remove_prefix(slash);
  if (rest.starts_with("/activities/")) {
    call.activity_id = percent_decode(rest.substr(12), ok);
  } else if (rest != "/activities") {
    return bad(404, "unknown connector path");
  }
  boost::system::error_code ec;
  auto parsed = json::parse(req.body, ec);
  if (ec || !parsed.is_object()) return bad(400, "body is not a JSON object");
  call.body = parsed.as_object();
  auto* type = call.body.if_contains("type");
  if (!type || !type->is_string() || type->as_string() != "message") return bad(400, "activity type is not message");
  if (!call.body.contains("text") && !call.body.contains("attachments")) return bad(400, "activity has neither text nor attachments");
  if (req.method == "PUT") {
    if (call.activity_id.empty()) return bad(400, "PUT without an activity id");
    auto* id = call.body.if_contains("id");
    if (!id || !id->is_string() || id->as_string() != call.activity_id) return bad(400, "PUT body id is not the activity id");
  } else if (req.method != "POST") {
    return bad(405, "method " + req.method);
  }
  if (!connector_failures_.empty()) {
    auto failure = std::move(connector_failures_.front());
    connector_failures_.pop_front();
    return failure;
  }
  call.returned_id = req.method == "PUT" ? call.activity_id : "1:fake-activity-" + std::to_string(++next_activity_);
  calls_.push_back(call);
  return ScriptedResponse::json(200, json::serialize(json::object{{"id", call.returned_id}}));
}

std::vector<ConnectorCall> FakeTeams::connector_calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::vector<ConnectorCall> FakeTeams::connector_calls(const std::string& method) const {
  std::vector<ConnectorCall> out;
  for (auto& c : connector_calls())
    if (c.method == method) out.push_back(std::move(c));
  return out;
}

bool FakeTeams::wait_for_connector_calls(const std::string& method, std::size_t count, std::chrono::milliseconds timeout) const {
  return eventually([&] { return connector_calls(method).size() >= count; }, timeout);
}

std::size_t FakeTeams::token_requests() const {
  std::lock_guard lock(mutex_);
  return token_requests_;
}

std::size_t FakeTeams::key_fetches() const {
  return server_.requests("GET", "/v1/.well-known/openidconfiguration").size() +
         server_.requests("GET", "/v1/.well-known/keys").size();
}

std::vector<std::string> FakeTeams::violations() const {
  std::lock_guard lock(mutex_);
  return violations_;
}

}  // namespace costbot::testing
