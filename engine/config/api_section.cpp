// `api:` — the REST API's bearer tokens and rate limits. Tokens come from api.tokens (each a
// secret: {env: NAME} or {file: PATH}) and from COSTBOT_API_TOKENS ("name:token,name2:token2"; a
// token without a name is called env-1, env-2, ...). Every token is registered with the log
// redactor, so no log line can show one.
#include <cctype>
#include <cstdlib>

#include "engine/config/sections.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {
namespace {

// Long enough that guessing is hopeless (a random 16-character token has ~95 bits).
constexpr std::size_t kMinTokenLength = 16;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

void read_rate(Reader& r, const std::string& key, std::int64_t& out, std::int64_t max) {
  if (r.integer(key, out) && (out < 1 || out > max)) r.error(key, "must be 1.." + std::to_string(max));
}

void tokens_from_environment(Reader& root, ApiConfig& c) {
  const char* env = std::getenv("COSTBOT_API_TOKENS");
  if (!env || !*env) return;
  int unnamed = 0;
  for (auto part : text::split(env, ',')) {
    std::string entry(text::trim(part));
    if (entry.empty()) continue;
    ApiToken t;
    auto colon = entry.find(':');
    std::string value = entry;
    if (colon != std::string::npos && valid_name(entry.substr(0, colon))) {
      t.name = entry.substr(0, colon);
      value = entry.substr(colon + 1);
    } else {
      t.name = "env-" + std::to_string(++unnamed);
    }
    log::register_secret(value);
    if (value.size() < kMinTokenLength) {
      root.issues().add("COSTBOT_API_TOKENS", "token \"" + t.name + "\" is shorter than " +
                                                  std::to_string(kMinTokenLength) + " characters");
      continue;
    }
    t.token = Secret(value, "env COSTBOT_API_TOKENS");
    c.tokens.push_back(std::move(t));
  }
}

}  // namespace

void read_api_section(Reader& root, Config& config) {
  auto r = root.section("api");
  auto& c = config.api;
  read_rate(r, "requests_per_minute", c.requests_per_minute, 1000000);
  read_rate(r, "burst", c.burst, 100000);
  r.list("tokens", [&](Reader& t) {
    ApiToken token;
    if (t.string("name", token.name, true) && !valid_name(token.name))
      t.error("name", "use letters, digits, '-', '_' or '.' (at most 64)");
    if (!t.has("token")) t.error("token", "missing required key (a secret: {env: NAME} or {file: PATH})");
    else if (t.secret("token", token.token) && token.token.reveal().size() < kMinTokenLength)
      t.error("token", "shorter than " + std::to_string(kMinTokenLength) + " characters");
    t.string("actor", token.actor);
    read_rate(t, "requests_per_minute", token.requests_per_minute, 1000000);
    read_rate(t, "burst", token.burst, 100000);
    t.finish();
    if (!token.token.empty()) c.tokens.push_back(std::move(token));
  });
  r.finish();
  tokens_from_environment(root, c);
  for (std::size_t i = 0; i < c.tokens.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (c.tokens[i].name == c.tokens[j].name)
        root.issues().add("api.tokens", "two tokens are named \"" + c.tokens[i].name + "\"");
}

}  // namespace costbot::config
