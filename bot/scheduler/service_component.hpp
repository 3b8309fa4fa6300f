#pragma once
// The scheduler inside `costbot serve`: a service Component that runs every job of this build
// (jobs.hpp) on the config's schedules, started after the HTTP server and stopped before it.
// Stopping starts nothing new and waits for the jobs already running (graceful shutdown).
#include <string>

namespace costbot::service {
class Service;
}

namespace costbot::scheduler {

// `templates_root`: for jobs that render messages (approvals_sla, digests).
void install(service::Service& service, std::string templates_root);

}  // namespace costbot::scheduler
