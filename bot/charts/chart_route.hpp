#pragma once
// GET /charts/{finding_id}.png — the cost-trend chart of a finding, as linked from every message
// ({server.public_url}/charts/{finding_id}.png). A cost anomaly shows its own series (actual,
// baseline band, anomalous days highlighted); any other finding (waste, budget) the daily cost of
// its scope up to the day it was found. "F12" and "12" both name finding 12.
//
// Drawing takes a few milliseconds, so it runs on the service's work pool, and PNGs are cached in
// memory (a small LRU) until the finding or the cost data changes; the ETag lets browsers and chat
// clients revalidate with If-None-Match (304). An unknown id is 404 with the reason.
//
// Who may fetch one: a signed-in viewer (web session) or an API token — or anyone holding the
// signed link an alert carries (?expires=...&signature=..., engine/auth/link_signing.hpp), which is
// how Slack's and Teams' servers fetch the image. A wrong or expired signature is 403 with why.
namespace costbot::service {
class Service;
}

namespace costbot::charts {

void install(service::Service& service);

}  // namespace costbot::charts
