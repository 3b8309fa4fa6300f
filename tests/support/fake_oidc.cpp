#include "tests/support/fake_oidc.hpp"

#include <algorithm>
#include <ctime>

#include "adapters/http/form.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"
#include "tests/support/teams_tokens.hpp"

namespace costbot::testing {
namespace json = boost::json;

namespace {

std::string query_of(const std::string& target) {
  auto q = target.find('?');
  return q == std::string::npos ? "" : target.substr(q + 1);
}

std::string pkce_s256(const std::string& verifier) {
  auto hex = hash::sha256_hex(verifier);
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  auto b = hash::base64url_encode(raw);
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

}  // namespace

FakeOidcProvider::FakeOidcProvider(std::string client_id, std::string client_secret, std::string redirect_uri)
    : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)), redirect_uri_(std::move(redirect_uri)) {
  const auto& key = test_rsa_key("oidc-key-1");
  server_.on("GET", "/.well-known/openid-configuration", [this](const RecordedRequest&) {
    return ScriptedResponse::json(200, json::serialize(json::object{
                                           {"issuer", url()},
                                           {"authorization_endpoint", url() + "/authorize"},
                                           {"token_endpoint", url() + "/token"},
                                           {"jwks_uri", url() + "/jwks"},
                                           {"response_types_supported", json::array{"code"}},
                                           {"id_token_signing_alg_values_supported", json::array{"RS256"}},
                                           {"token_endpoint_auth_methods_supported", json::array{"client_secret_basic", "client_secret_post"}},
                                           {"code_challenge_methods_supported", json::array{"S256"}}}));
  });
  server_.on("GET", "/jwks", [&key](const RecordedRequest&) {
    auto jwk = key.jwk({});
    jwk.erase("endorsements");
    return ScriptedResponse::json(200, json::serialize(json::object{{"keys", json::array{jwk}}}));
  });
  server_.on("GET", "/authorize", [this](const RecordedRequest& r) { return authorize(r); });
  server_.on("POST", "/token", [this](const RecordedRequest& r) { return token(r); });
}

void FakeOidcProvider::sign_in_as(json::object claims) {
  std::lock_guard lock(mutex_);
  person_ = std::move(claims);
}

void FakeOidcProvider::next_token_overrides(json::object claims) {
  std::lock_guard lock(mutex_);
  overrides_ = std::move(claims);
}

void FakeOidcProvider::set_redirect_uri(std::string uri) {
  std::lock_guard lock(mutex_);
  redirect_uri_ = std::move(uri);
}

std::vector<std::string> FakeOidcProvider::violations() const {
  std::lock_guard lock(mutex_);
  return violations_;
}

std::size_t FakeOidcProvider::tokens_issued() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

ScriptedResponse FakeOidcProvider::refuse(const std::string& what, int status, const std::string& error) {
  violations_.push_back(what);
  return ScriptedResponse::json(status, json::serialize(json::object{{"error", error}, {"error_description", what}}));
}

ScriptedResponse FakeOidcProvider::authorize(const RecordedRequest& r) {
  std::lock_guard lock(mutex_);
  auto q = http::decode_form(query_of(r.target));
  auto get = [&](const char* k) { return http::form_value(q, k).value_or(""); };
  if (get("client_id") != client_id_) return refuse("authorize: unknown client_id " + get("client_id"));
  if (get("redirect_uri") != redirect_uri_) return refuse("authorize: redirect_uri not registered: " + get("redirect_uri"));
  if (get("response_type") != "code") return refuse("authorize: response_type must be code");
  auto scopes = text::split_words(get("scope"));
  if (std::find(scopes.begin(), scopes.end(), "openid") == scopes.end()) return refuse("authorize: scope without openid");
  if (get("state").empty() || get("nonce").empty()) return refuse("authorize: state and nonce are required");
  if (get("code_challenge_method") != "S256" || get("code_challenge").size() != 43)
    return refuse("authorize: PKCE S256 code_challenge required");
  Pending p{hash::random_hex(16), get("redirect_uri"), get("nonce"), get("code_challenge")};
  pending_.push_back(p);
  auto to = p.redirect_uri + "?" + http::encode_form({{"code", p.code}, {"state", get("state")}});
  return ScriptedResponse::text(302, "").header("Location", to);
}

ScriptedResponse FakeOidcProvider::token(const RecordedRequest& r) {
  std::lock_guard lock(mutex_);
  auto form = http::decode_form(r.body);
  auto get = [&](const char* k) { return http::form_value(form, k).value_or(""); };
  // Client authentication: Basic (form-encoded id:secret) or client_secret in the form.
  bool authenticated = false;
  if (auto basic = r.header("authorization"); text::starts_with_icase(basic, "basic ")) {
    std::string expected = "Basic " + hash::base64_encode(client_id_ + ":" + client_secret_);
    authenticated = basic == expected;
  } else {
    authenticated = get("client_id") == client_id_ && get("client_secret") == client_secret_;
  }
  if (!authenticated) return refuse("token: client authentication failed", 401, "invalid_client");
  if (get("grant_type") != "authorization_code") return refuse("token: grant_type must be authorization_code");
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.code == get("code"); });
  if (it == pending_.end()) return refuse("token: unknown code", 400, "invalid_grant");
  if (it->used) return refuse("token: code used twice", 400, "invalid_grant");
  it->used = true;
  if (get("redirect_uri") != it->redirect_uri) return refuse("token: redirect_uri differs from the authorize request", 400, "invalid_grant");
  if (pkce_s256(get("code_verifier")) != it->challenge) return refuse("token: PKCE code_verifier does not match", 400, "invalid_grant");
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  json::object claims{{"iss", url()}, {"aud", client_id_}, {"iat", now}, {"exp", now + 300}, {"nonce", it->nonce}};
  for (const auto& kv : person_) claims[kv.key()] = kv.value();
  for (const auto& kv : overrides_) claims[kv.key()] = kv.value();
  overrides_.clear();
  ++issued_;
  auto id_token = sign_rs256(test_rsa_key("oidc-key-1"), claims);
  return ScriptedResponse::json(200, json::serialize(json::object{
                                         {"access_token", hash::random_hex(16)}, {"token_type", "Bearer"},
                                         {"expires_in", 300}, {"id_token", id_token}}));
}

}  // namespace costbot::testing
