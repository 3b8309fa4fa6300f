#pragma once
namespace costbot::service {
class Service;
// Registers the approve / reject commands as ChatActions for the service's ActionHandler.
void route_decision_commands(Service& service);
}  // namespace costbot::service
