// Fuzzes the security parts of the config: `access:` (roles, members, act_for), `api:` tokens
// (token / token_sha256 / actor / role / act_for), `web:` providers, `audit:`, and the
// COSTBOT_API_TOKENS syntax (name:token[:actor=ID][:role=ROLE], commas), then asks the one
// authorization function about every role and action.
// Properties: config loading reports problems (never crashes, never throws for content); every
// token that loads carries an actor or a role and a 64-hex-digit digest; the authorizer never
// grants decide_approval by role alone to a principal carrying no role and no identity.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/auth/authorization.hpp"
#include "engine/config/config.hpp"
#include "engine/util/error.hpp"

using namespace costbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto split = input.find('\x01');
  std::string yaml(input.substr(0, split));
  std::string env = split == std::string_view::npos ? "" : std::string(input.substr(split + 1));
  if (env.find('\0') != std::string::npos) env.clear();
  ::setenv("COSTBOT_API_TOKENS", env.c_str(), 1);
  config::Config c;
  config::Issues issues;
  try {
    issues = config::check_text(yaml, &c);
  } catch (const Error&) {
    return 0;
  }
  for (const auto& t : c.api.tokens) {
    if (t.actor.empty() && t.role.empty() && issues.empty()) __builtin_trap();
    if (t.sha256.size() != 64) __builtin_trap();
  }
  if (!issues.empty()) return 0;
  auth::Authorizer authorizer(c);
  auth::Principal nobody;
  for (auto action : auth::all_actions()) {
    auto v = authorizer.check(nobody, action);
    if (v.allowed) __builtin_trap();  // no identity, no role: nothing
  }
  auth::Principal someone;
  someone.user_id = "U_FUZZ";
  for (auto action : auth::all_actions()) authorizer.check(someone, action);
  authorizer.assignments();
  authorizer.may_act_for(someone, "U_OTHER");
  return 0;
}
