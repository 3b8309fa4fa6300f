#include "bot/detection/detection_commands.hpp"

#include "bot/detection/detection_replies.hpp"
#include "bot/service/service.hpp"

namespace costbot::detection_chat {

void install(service::Service& service) {
  auto& dispatcher = service.commands();
  auto context = [&service](commands::Invocation& inv) {
    return ReplyContext{*inv.db, service.config(), inv.today(), service.commands().options().command_prefix};
  };
  // anomalies reads the findings and incidents tables (small): answered inline. budget and
  // forecast sum a month of cost rows per budget: they may run on the work pool, so a large store
  // is acknowledged inside Slack's 3 seconds and answered through response_url.
  dispatcher.on("anomalies", [context](const commands::Command& c, commands::Invocation& inv) {
    return anomalies_reply(context(inv), std::get<commands::Anomalies>(c));
  });
  dispatcher.on(
      "budget",
      [context](const commands::Command& c, commands::Invocation& inv) {
        return budget_reply(context(inv), std::get<commands::Budget>(c));
      },
      commands::Speed::may_be_slow);
  dispatcher.on(
      "forecast",
      [context](const commands::Command& c, commands::Invocation& inv) {
        return forecast_reply(context(inv), std::get<commands::Forecast>(c));
      },
      commands::Speed::may_be_slow);
}

}  // namespace costbot::detection_chat
