// `api:` — the REST API's bearer tokens and rate limits. Tokens come from api.tokens (each a
// secret, {env: NAME} or {file: PATH}, or only its digest, token_sha256) and from
// COSTBOT_API_TOKENS ("name:token:actor=U0X,name2:token2:role=viewer"). Every token carries an
// actor or a role: a file token without either is an error; an environment token without either
// may only read (role viewer). Only each token's SHA-256 is kept; every token read is registered
// with the log redactor, so no log line can show one.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "engine/config/sections.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {
namespace {

// Long enough that guessing is hopeless (a random 16-character token has ~95 bits).
constexpr std::size_t kMinTokenLength = 16;

bool valid_token_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

bool valid_token_digest(const std::string& hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

bool known_token_role(const std::string& role) {
  const auto& names = role_names();
  return std::find(names.begin(), names.end(), role) != names.end();
}

void read_token_rate(Reader& r, const std::string& key, std::int64_t& out, std::int64_t max) {
  if (r.integer(key, out) && (out < 1 || out > max)) r.error(key, "must be 1.." + std::to_string(max));
}

// "name:token[:actor=ID][:role=ROLE]" → the token (the options are peeled off the end).
void tokens_from_environment(Reader& root, ApiConfig& c) {
  const char* env = std::getenv("COSTBOT_API_TOKENS");
  if (!env || !*env) return;
  int unnamed = 0;
  for (auto part : text::split(env, ',')) {
    std::string entry(text::trim(part));
    if (entry.empty()) continue;
    ApiToken t;
    for (;;) {
      auto colon = entry.rfind(':');
      if (colon == std::string::npos) break;
      auto option = entry.substr(colon + 1);
      if (option.starts_with("actor=")) t.actor = option.substr(6);
      else if (option.starts_with("role=")) t.role = option.substr(5);
      else break;
      entry.resize(colon);
    }
    auto colon = entry.find(':');
    std::string value = entry;
    if (colon != std::string::npos && valid_token_name(entry.substr(0, colon))) {
      t.name = entry.substr(0, colon);
      value = entry.substr(colon + 1);
    } else {
      t.name = "env-" + std::to_string(++unnamed);
    }
    log::register_secret(value);
    const std::string where = "COSTBOT_API_TOKENS (" + t.name + ")";
    if (value.size() < kMinTokenLength) {
      root.issues().add(where, "the token is shorter than " + std::to_string(kMinTokenLength) + " characters");
      continue;
    }
    if (!t.role.empty() && !known_token_role(t.role))
      root.issues().add(where, "unknown role \"" + t.role + "\" (valid: " + text::join(role_names(), ", ") + ")");
    if (t.actor.empty() && t.role.empty()) t.role = "viewer";  // no actor, no role: read only
    t.sha256 = hash::sha256_hex(value);
    c.tokens.push_back(std::move(t));
  }
}

}  // namespace

void read_api_section(Reader& root, Config& config) {
  auto r = root.section("api");
  auto& c = config.api;
  read_token_rate(r, "requests_per_minute", c.requests_per_minute, 1000000);
  read_token_rate(r, "burst", c.burst, 100000);
  r.list("tokens", [&](Reader& t) {
    ApiToken token;
    if (t.string("name", token.name, true) && !valid_token_name(token.name))
      t.error("name", "use letters, digits, '-', '_' or '.' (at most 64)");
    const bool has_token = t.has("token"), has_digest = t.has("token_sha256");
    if (has_token == has_digest) {
      t.error("token", has_token ? "give token or token_sha256, not both"
                                 : "missing: token (a secret: {env: NAME} or {file: PATH}) or token_sha256");
    } else if (has_token) {
      Secret secret;
      if (t.secret("token", secret)) {
        if (secret.reveal().size() < kMinTokenLength)
          t.error("token", "shorter than " + std::to_string(kMinTokenLength) + " characters");
        else
          token.sha256 = hash::sha256_hex(secret.reveal());
      }
    } else if (t.string("token_sha256", token.sha256)) {
      token.sha256 = text::to_lower(token.sha256);
      if (!valid_token_digest(token.sha256)) {
        t.error("token_sha256", "expected 64 hex digits (costbot api token prints them)");
        token.sha256.clear();
      }
    }
    t.string("actor", token.actor);
    if (t.string("role", token.role) && !known_token_role(token.role))
      t.error("role", "unknown role \"" + token.role + "\" (valid: " + text::join(role_names(), ", ") + ")");
    t.strings("act_for", token.act_for);
    if (token.actor.empty() && token.role.empty())
      t.error("actor", "a token acts as a person (actor: USER_ID) or carries a role (role: viewer, requester, ...)");
    read_token_rate(t, "requests_per_minute", token.requests_per_minute, 1000000);
    read_token_rate(t, "burst", token.burst, 100000);
    t.finish();
    if (!token.sha256.empty()) c.tokens.push_back(std::move(token));
  });
  r.finish();
  tokens_from_environment(root, c);
  for (std::size_t i = 0; i < c.tokens.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      if (c.tokens[i].name == c.tokens[j].name)
        root.issues().add("api.tokens", "two tokens are named \"" + c.tokens[i].name + "\"");
      else if (c.tokens[i].sha256 == c.tokens[j].sha256)
        root.issues().add("api.tokens", "tokens \"" + c.tokens[j].name + "\" and \"" + c.tokens[i].name + "\" are the same");
    }
}

}  // namespace costbot::config
