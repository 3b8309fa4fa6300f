#pragma once
// `subscribe PERSONA` and `unsubscribe [PERSONA]`: the handlers behind the shared grammar, checked
// against the configured personas (built-in and config-defined), with a reply that says what the
// subscription brings (kinds, severity, frequency, digests, quiet hours, where).
#include "bot/commands/dispatcher.hpp"
#include "engine/config/config.hpp"

namespace costbot::alerts_app {

chat::Reply run_subscribe(const config::Config& config, const commands::Subscribe& s, commands::Invocation& inv);
chat::Reply run_unsubscribe(const config::Config& config, const commands::Unsubscribe& s, commands::Invocation& inv);
// Handles subscribe and unsubscribe on `dispatcher` (the service does this; the dispatcher alone has
// no alerts engine and says so). `config` must outlive the dispatcher.
void install_subscription_commands(commands::Dispatcher& dispatcher, const config::Config& config);

// What a persona receives, in one sentence ("cost anomalies and budgets, high severity and up, as
// they happen; the weekly digest; quiet hours 22:00-07:00 Europe/Berlin").
std::string persona_brief(const config::PersonaConfig& p);

}  // namespace costbot::alerts_app
