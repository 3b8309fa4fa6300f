#include "bot/service/operations.hpp"

#include "bot/api/api.hpp"
#include "bot/charts/chart_route.hpp"
#include "bot/scheduler/service_component.hpp"
#include "bot/service/service.hpp"
#include "bot/web/web_channel.hpp"

namespace costbot::service {

void install_operations(Service& service, const std::string& templates_root) {
  scheduler::install(service, templates_root);
  charts::install(service);
  web::install(service, templates_root);
  api::install(service, templates_root);
}

}  // namespace costbot::service
