#pragma once
// What the pieces of bot/approvals share (not part of the public API).
#include <memory>
#include <string>

#include "adapters/jira/rest_api.hpp"
#include "bot/actions/action_handler.hpp"
#include "engine/approvals/approvals.hpp"

namespace costbot::service {
class Service;
}

namespace costbot::approvals_app {

struct App {
  service::Service& svc;
  std::shared_ptr<const approvals::Approvals> engine;
  std::unique_ptr<jira::RestApi> jira;  // null: no Jira configured, tickets go to the local outbox

  App(service::Service& s, std::shared_ptr<const approvals::Approvals> e) : svc(s), engine(std::move(e)) {}
  const config::Config& config() const { return engine->config(); }
};

// The click handler: approvals and detection feedback, the rest to `next`.
std::shared_ptr<actions::ActionHandler> make_action_handler(std::shared_ptr<App> app,
                                                            std::shared_ptr<actions::ActionHandler> next);
void register_commands(const std::shared_ptr<App>& app);
void register_deliveries(const std::shared_ptr<App>& app);
void add_jira_webhook_route(const std::shared_ptr<App>& app);

}  // namespace costbot::approvals_app
