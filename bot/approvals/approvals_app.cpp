#include "bot/approvals/approvals_app.hpp"

#include <spdlog/spdlog.h>

#include "bot/approvals/app.hpp"
#include "bot/service/service.hpp"

namespace costbot::approvals_app {

void install(service::Service& svc, const std::string& templates_root) {
  auto engine = std::make_shared<const approvals::Approvals>(svc.config(), render::Templates(templates_root));
  auto app = std::make_shared<App>(svc, std::move(engine));
  const auto& jira = svc.config().jira;
  if (jira.enabled()) {
    app->jira = std::make_unique<jira::RestApi>(svc.http_client(), jira.base_url, jira.email, jira.api_token.reveal());
    // On the outbox worker: a Retry-After longer than a second is handed back to the worker (the
    // effect is rescheduled) instead of holding its thread.
    http::CallOptions delivery;
    delivery.max_retry_wait = std::chrono::seconds(1);
    app->jira->set_call_options(delivery);
    spdlog::info("Jira: tickets go to {}", jira.base_url);
  } else {
    spdlog::info("Jira is off (no jira.base_url / JIRA_BASE_URL): tickets go to the local ticket outbox as {}-N",
                 jira.local_key_prefix);
  }
  svc.set_action_handler(make_action_handler(app, svc.action_handler_ptr()));
  register_commands(app);
  register_deliveries(app);
  add_jira_webhook_route(app);
}

}  // namespace costbot::approvals_app
