#include "bot/alerts/subscription_commands.hpp"

#include "engine/alerts/subscriptions.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts_app {

namespace {


std::string where_for(const std::string& platform) {
  if (platform == "slack") return "in a direct message from costbot";
  if (platform == "teams") return "in this conversation";
  return "in the persona's web feed";
}

}  // namespace

std::string persona_brief(const config::PersonaConfig& p) {
  std::string kinds = p.kinds.empty() ? "every finding" : text::join(p.kinds, ", ");
  std::string when = p.frequency == "real_time" ? "as they happen" : p.frequency == "daily_digest" ? "in the daily digest" : "in the weekly digest";
  std::string s = kinds + ", " + p.min_severity + " severity and up, " + when;
  for (const auto& d : p.digests)
    if (d + "_digest" != p.frequency) s += "; the " + d + " digest";
  if (!p.teams.empty()) s += "; teams " + text::join(p.teams, ", ");
  if (p.quiet_hours.enabled) s += "; quiet hours " + p.quiet_hours.text();
  return s;
}

chat::Reply run_subscribe(const config::Config& config, const commands::Subscribe& s, commands::Invocation& inv) {
  const config::PersonaConfig* persona = nullptr;
  for (const auto& p : config.personas.list)
    if (p.enabled && text::iequals(p.name, s.persona)) persona = &p;
  auto names = config.personas.names();
  for (const auto& p : config.personas.list)
    if (!p.enabled && text::iequals(p.name, s.persona))
      return chat::Reply::plain("The *" + p.name + "* persona is switched off in this service (personas." + p.name +
                         ".enabled: false). Personas: " + text::join(names, ", ") + ".");
  if (!persona) {
    auto guess = text::closest(text::to_lower(s.persona), names);
    return chat::Reply::plain("There is no persona \"" + s.persona + "\"." + (guess ? " Did you mean `" + *guess + "`?" : "") +
                       " Personas: " + text::join(names, ", ") + ".");
  }
  if (inv.actor.user_id.empty()) throw invalid_input("subscribe needs to know who is asking");
  alerts::subscribe(*inv.db,
                    {inv.actor.platform, inv.actor.user_id, inv.actor.name, persona->name, inv.channel, inv.workspace},
                    inv.now);
  chat::Reply r;
  r.text("You are subscribed to *" + persona->name + "* alerts (" + persona->description + "), " + where_for(inv.actor.platform) + ".");
  r.text("You will get " + persona_brief(*persona) + ".");
  r.context("`" + config.slack.command + " unsubscribe " + persona->name + "` stops them.");
  r.fallback = "Subscribed to " + persona->name;
  return r;
}

chat::Reply run_unsubscribe(const config::Config& config, const commands::Unsubscribe& s, commands::Invocation& inv) {
  if (inv.actor.user_id.empty()) throw invalid_input("unsubscribe needs to know who is asking");
  std::string persona = s.persona;
  for (const auto& p : config.personas.list)
    if (text::iequals(p.name, s.persona)) persona = p.name;
  int removed = alerts::unsubscribe(*inv.db, inv.actor.platform, inv.actor.user_id, persona, inv.now);
  if (removed == 0)
    return chat::Reply::plain(persona.empty() ? "You had no subscriptions." : "You were not subscribed to *" + persona + "*.");
  return chat::Reply::plain(persona.empty() ? "Unsubscribed from everything (" + std::to_string(removed) + ")."
                                     : "Unsubscribed from *" + persona + "*.");
}

void install_subscription_commands(commands::Dispatcher& dispatcher, const config::Config& config) {
  dispatcher.on("subscribe", [&config](const commands::Command& c, commands::Invocation& inv) {
    return run_subscribe(config, std::get<commands::Subscribe>(c), inv);
  });
  dispatcher.on("unsubscribe", [&config](const commands::Command& c, commands::Invocation& inv) {
    return run_unsubscribe(config, std::get<commands::Unsubscribe>(c), inv);
  });
}

}  // namespace costbot::alerts_app
