// `jira:` — the Jira Cloud connection (tickets opened on final approval, comments, transitions,
// the two-way webhook). Every value falls back to the environment names operators already use.
#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

void read_jira_section(Reader& root, Config& config) {
  auto& c = config.jira;
  auto r = root.section("jira");
  r.string_or_env("base_url", c.base_url, "JIRA_BASE_URL");
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  if (!c.base_url.empty() && !text::starts_with_icase(c.base_url, "http://") &&
      !text::starts_with_icase(c.base_url, "https://"))
    r.error("base_url", "expected an http(s) URL such as https://your-site.atlassian.net, got \"" + c.base_url + "\"");
  r.string_or_env("email", c.email, "JIRA_EMAIL");
  if (!c.email.empty() && c.email.find('@') == std::string::npos)
    r.error("email", "expected the email address of the account that owns the API token");
  r.secret("api_token", c.api_token, "JIRA_API_TOKEN");
  r.secret("webhook_secret", c.webhook_secret, "JIRA_WEBHOOK_SECRET");
  // Half a connection is a mistake worth stopping for: tickets would silently stay local.
  if (!c.base_url.empty() && c.email.empty())
    r.error("email", "missing: jira.base_url is set, so set jira.email (or JIRA_EMAIL) too");
  if (!c.base_url.empty() && c.api_token.empty())
    r.error("api_token", "missing: jira.base_url is set, so set jira.api_token (or JIRA_API_TOKEN) too");
  r.choice("webhook_auth", c.webhook_auth, {"signature", "token", "either"});
  r.boolean("comment_on_incident_change", c.comment_on_incident_change);
  r.boolean("transition_on_resolve", c.transition_on_resolve);
  if (r.string("done_transition", c.done_transition) && text::trim(c.done_transition).empty())
    r.error("done_transition", "must name a transition or status, e.g. Done");
  if (r.duration("search_settle", c.search_settle) && (c.search_settle < 0 || c.search_settle > 3600))
    r.error("search_settle", "must be 0s..1h");
  if (r.string("local_key_prefix", c.local_key_prefix)) {
    bool ok = !c.local_key_prefix.empty() && c.local_key_prefix.size() <= 10;
    for (char ch : c.local_key_prefix) ok = ok && ch >= 'A' && ch <= 'Z';
    if (!ok) r.error("local_key_prefix", "expected 1-10 capital letters, like a Jira project key (LOCAL)");
  }
  r.finish();
}

}  // namespace costbot::config
