#include "adapters/oidc/oidc.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/http/form.hpp"
#include "adapters/jose/jwt.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::oidc {
namespace json = boost::json;

namespace {

[[noreturn]] void refuse_sign_in(const std::string& reason) {
  throw Error(ErrorKind::unauthorized, "sign-in failed: " + reason);
}

std::vector<std::string> oidc_string_list(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto* v = o.if_contains(key);
  if (v && v->is_array())
    for (const auto& item : v->as_array())
      if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

std::optional<std::int64_t> oidc_int_claim(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() < (1ull << 62)) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double() && v->as_double() > -1e15 && v->as_double() < 1e15) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

// https, or http to a loopback host (a test's fake provider).
bool acceptable_url(const std::string& url) {
  if (text::starts_with_icase(url, "https://")) return url.size() > 8;
  if (!text::starts_with_icase(url, "http://")) return false;
  auto rest = std::string_view(url).substr(7);
  auto host = rest.substr(0, rest.find_first_of("/?#"));
  if (!host.empty() && host.front() == '[') host = host.substr(0, host.find(']') + 1);
  else host = host.substr(0, host.rfind(':'));
  return http::is_loopback_host(host);
}

std::string oidc_percent_encode(std::string_view s) {
  return http::encode_form({{"x", std::string(s)}}).substr(2);
}

}  // namespace

Discovery parse_discovery(std::string_view text, const std::string& expected_issuer) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) throw invalid_input("the OpenID discovery document is not a JSON object");
  const auto& o = v.as_object();
  Discovery d{json_string(o, "issuer"),
              json_string(o, "authorization_endpoint"),
              json_string(o, "token_endpoint"),
              json_string(o, "jwks_uri"),
              oidc_string_list(o, "id_token_signing_alg_values_supported"),
              oidc_string_list(o, "token_endpoint_auth_methods_supported")};
  // OpenID Connect Discovery 1.0 §4.3: the issuer must be exactly the one asked for.
  if (d.issuer != expected_issuer)
    throw invalid_input("the discovery document's issuer \"" + d.issuer.substr(0, 200) + "\" is not the configured \"" +
                        expected_issuer + "\"");
  for (auto [name, url] : {std::pair{"authorization_endpoint", &d.authorization_endpoint},
                           std::pair{"token_endpoint", &d.token_endpoint}, std::pair{"jwks_uri", &d.jwks_uri}})
    if (!acceptable_url(*url)) throw invalid_input(std::string("the discovery document's ") + name + " is not an https URL");
  if (!d.signing_algs.empty() && std::find(d.signing_algs.begin(), d.signing_algs.end(), "RS256") == d.signing_algs.end())
    throw invalid_input("the provider does not sign ID tokens with RS256");
  return d;
}

std::string code_challenge_s256(std::string_view verifier) {
  auto hex = hash::sha256_hex(verifier);
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  auto out = hash::base64url_encode(raw);
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string authorization_url(const Discovery& d, const AuthorizationRequest& r) {
  http::FormFields q{{"response_type", "code"},
                     {"client_id", r.client_id},
                     {"redirect_uri", r.redirect_uri},
                     {"scope", text::join(r.scopes, " ")},
                     {"state", r.state},
                     {"nonce", r.nonce},
                     {"code_challenge", r.code_challenge},
                     {"code_challenge_method", "S256"}};
  auto sep = d.authorization_endpoint.find('?') == std::string::npos ? "?" : "&";
  return d.authorization_endpoint + sep + http::encode_form(q);
}

void check_id_token_claims(const json::object& claims, const ClaimChecks& c) {
  if (json_string(claims, "iss") != c.issuer) refuse_sign_in("the ID token's issuer is not " + c.issuer);
  // aud: a string or an array that contains our client id; with several, azp must be us.
  const auto* aud = claims.if_contains("aud");
  bool ours = false, several = false;
  if (aud && aud->is_string()) ours = aud->as_string() == c.client_id;
  if (aud && aud->is_array()) {
    several = aud->as_array().size() > 1;
    for (const auto& a : aud->as_array()) ours = ours || (a.is_string() && a.as_string() == c.client_id);
  }
  if (!ours) refuse_sign_in("the ID token is not for this client (aud)");
  if (several && json_string(claims, "azp") != c.client_id) refuse_sign_in("the ID token's azp is not this client");
  auto exp = oidc_int_claim(claims, "exp");
  if (!exp) refuse_sign_in("the ID token has no expiry (exp)");
  if (c.now > *exp + c.clock_skew) refuse_sign_in("the ID token expired");
  auto iat = oidc_int_claim(claims, "iat");
  if (!iat) refuse_sign_in("the ID token has no issue time (iat)");
  if (*iat > c.now + c.clock_skew) refuse_sign_in("the ID token was issued in the future (iat)");
  if (c.now - *iat > c.max_age + c.clock_skew) refuse_sign_in("the ID token is too old (iat)");
  if (auto nbf = oidc_int_claim(claims, "nbf"); nbf && *nbf > c.now + c.clock_skew) refuse_sign_in("the ID token is not valid yet (nbf)");
  if (c.nonce.empty() || !hash::equal_constant_time(json_string(claims, "nonce"), c.nonce))
    refuse_sign_in("the ID token's nonce does not match this sign-in (replayed?)");
}

Identity identity_from_claims(const json::object& claims, const std::string& user_claim, const std::string& groups_claim) {
  Identity id;
  id.user_id = json_string(claims, user_claim);
  if (id.user_id.empty() || id.user_id.size() > 200)
    refuse_sign_in("the ID token has no usable \"" + user_claim + "\" claim (web.providers.*.user_claim)");
  id.name = json_string(claims, "name");
  if (id.name.empty()) id.name = json_string(claims, "preferred_username");
  id.email = json_string(claims, "email");
  if (!groups_claim.empty()) id.groups = oidc_string_list(claims, groups_claim);
  return id;
}

Provider::Provider(config::OidcProviderConfig config, http::Client& client, const Clock& clock)
    : config_(std::move(config)), client_(client), clock_(clock) {}

std::string Provider::get(const std::string& url, const char* what) {
  http::Response r;
  try {
    r = client_.send(http::Request::get(url));
  } catch (const Error& e) {
    throw Error(ErrorKind::unavailable, "the identity provider " + config_.name + " cannot be reached (" + what + "): " + e.what());
  }
  if (!r.ok())
    throw Error(ErrorKind::unavailable, "the identity provider " + config_.name + " answered HTTP " + std::to_string(r.status) +
                                            " for its " + what);
  return r.body;
}

Discovery Provider::discovery() {
  std::lock_guard lock(mutex_);
  if (!discovery_) {
    try {
      discovery_ = parse_discovery(get(config_.discovery_url, "discovery document"), config_.issuer);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::invalid_input) throw Error(ErrorKind::unavailable, "identity provider " + config_.name + ": " + e.what());
      throw;
    }
  }
  return *discovery_;
}

std::string Provider::key_for(const std::string& kid) {
  auto d = discovery();
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  auto it = keys_.find(kid);
  const bool stale = keys_fetched_ && now - keys_fetched_at_ > 86400;
  // A miss refreshes the keys (the provider rotated them), but at most once a minute.
  if ((it == keys_.end() || stale) && (!keys_fetched_ || now - keys_fetched_at_ >= 60 || stale)) {
    std::map<std::string, std::string, std::less<>> fresh;
    for (auto& k : jose::parse_jwks(get(d.jwks_uri, "signing keys"))) fresh[k.kid] = std::move(k.public_key_pem);
    keys_ = std::move(fresh);
    keys_fetched_at_ = now;
    keys_fetched_ = true;
    it = keys_.find(kid);
  }
  if (it == keys_.end()) refuse_sign_in("the ID token is signed with a key the provider does not publish (kid)");
  return it->second;
}

std::string Provider::authorization_url(const std::string& redirect_uri, const std::string& state, const std::string& nonce,
                                        const std::string& code_verifier) {
  AuthorizationRequest r{config_.client_id, redirect_uri, state, nonce, code_challenge_s256(code_verifier), config_.scopes};
  return oidc::authorization_url(discovery(), r);
}

Identity Provider::complete(const std::string& code, const std::string& code_verifier, const std::string& nonce,
                            const std::string& redirect_uri) {
  auto d = discovery();
  http::FormFields form{{"grant_type", "authorization_code"},
                        {"code", code},
                        {"redirect_uri", redirect_uri},
                        {"code_verifier", code_verifier},
                        {"client_id", config_.client_id}};
  http::Request req;
  req.method = "POST";
  req.url = d.token_endpoint;
  req.content_type = "application/x-www-form-urlencoded";
  req.header("Accept", "application/json");
  const bool post_only = !d.token_auth_methods.empty() &&
                         std::find(d.token_auth_methods.begin(), d.token_auth_methods.end(), "client_secret_basic") ==
                             d.token_auth_methods.end();
  if (post_only) {
    form.emplace_back("client_secret", config_.client_secret.reveal());
  } else {
    // RFC 6749 §2.3.1: both form-encoded before they are joined.
    req.header("Authorization", "Basic " + hash::base64_encode(oidc_percent_encode(config_.client_id) + ":" +
                                                                oidc_percent_encode(config_.client_secret.reveal())));
  }
  req.body = http::encode_form(form);
  http::CallOptions once;
  once.idempotency = http::Idempotency::non_idempotent;  // a code is good for one exchange
  http::Response r;
  try {
    r = client_.send(std::move(req), once);
  } catch (const Error& e) {
    throw Error(ErrorKind::unavailable, "the identity provider " + config_.name + " cannot be reached (token): " + e.what());
  }
  boost::system::error_code ec;
  auto body = json::parse(r.body, ec);
  if (ec || !body.is_object()) refuse_sign_in("the token endpoint answered HTTP " + std::to_string(r.status) + " without JSON");
  const auto& o = body.as_object();
  if (!r.ok() || o.contains("error") || (o.contains("ok") && o.at("ok") == false)) {
    auto error = json_string(o, "error");
    refuse_sign_in("the provider refused the code (" + (error.empty() ? "HTTP " + std::to_string(r.status) : error.substr(0, 80)) + ")");
  }
  auto id_token = json_string(o, "id_token");
  if (id_token.empty()) refuse_sign_in("the token endpoint sent no id_token");
  auto header = jose::parse_jwt_header(id_token);
  if (header.alg != "RS256") refuse_sign_in("the ID token is not signed with RS256");
  if (header.kid.empty()) refuse_sign_in("the ID token's header names no key (kid)");
  auto claims = jose::verify_rs256(id_token, key_for(header.kid));
  check_id_token_claims(claims, {config_.issuer, config_.client_id, nonce, clock_.now(), 300, 3600});
  return identity_from_claims(claims, config_.user_claim, config_.groups_claim);
}

}  // namespace costbot::oidc
