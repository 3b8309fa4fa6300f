#pragma once
// The REST API under /api/v1, described by bot/api/openapi.yaml (a test checks real responses
// against it):
//
//   GET  /api/v1/costs?by=team&period=30d[&from=&to=][&where=team=payments][&limit=N]
//   GET  /api/v1/findings[?open=true&team=&kind=&limit=]     GET /api/v1/findings/{id}
//   GET  /api/v1/incidents[?open=true&team=&kind=&limit=]    GET /api/v1/incidents/{id}
//   GET  /api/v1/budgets[?as_of=YYYY-MM-DD]
//   GET  /api/v1/approvals[?open=true]                       GET /api/v1/approvals/{id}
//   POST /api/v1/approvals                   open a request (the approvals engine: tiers, stages)
//   POST /api/v1/approvals/{id}/decisions    approve or reject (the engine checks the approver)
//   GET  /api/v1/openapi.yaml                the document itself (no token)
//
// Every request needs "Authorization: Bearer TOKEN" (api.tokens, COSTBOT_API_TOKENS); each token
// has its own rate limit (429 with Retry-After), and so does each client address that keeps
// sending bad tokens. Errors are JSON: {"error", "message", "request_id"}. With no token
// configured every route answers 503 saying so. Handlers run on the service's work pool.
#include <string>

namespace costbot::service {
class Service;
}

namespace costbot::api {

// `templates_root`: the approvals engine renders the messages of the requests it opens.
void install(service::Service& service, const std::string& templates_root);

}  // namespace costbot::api
