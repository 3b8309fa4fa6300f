#pragma once
// What makes `costbot serve` a service rather than a set of webhooks, installed in one call:
// the scheduler (ingest, detect, approval SLAs, digests), the cost-trend charts
// (GET /charts/{id}.png), the local web channel (GET /, /web/*, web.post effects) and the REST API
// (/api/v1). /healthz, /readyz and /metrics come with the Service itself.
#include <string>

namespace costbot::service {

class Service;

// `templates_root`: templates/ (message templates and the web page).
void install_operations(Service& service, const std::string& templates_root);

}  // namespace costbot::service
