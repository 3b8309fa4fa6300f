#pragma once
// PagerDuty Events API v2 (POST /v2/enqueue) over the shared HTTPS client. The routing key is the
// only credential (no Authorization header); it is added here, so effects in the outbox never hold
// it. Answers: 202 {"status":"success","dedup_key":...}; 400 = an invalid event (permanent);
// 429 and 5xx = retry later. Events with a dedup_key are idempotent on PagerDuty's side, so a
// repeated call after a lost answer is safe.
#include <boost/json.hpp>

#include <string>

#include "adapters/http/client.hpp"

namespace costbot::pagerduty {

struct EventResult {
  std::string status;     // "success"
  std::string message;    // "Event processed"
  std::string dedup_key;
};

class EventsApi {
 public:
  // events_url: https://events.pagerduty.com/v2/enqueue (PAGERDUTY_EVENTS_URL points tests at a fake).
  EventsApi(http::Client& client, std::string events_url, std::string routing_key);

  // `event`: event_action, dedup_key, payload, links, images, ... (without routing_key).
  // Throws http::RemoteError (retryable or not) on anything but 202.
  EventResult send(boost::json::object event);

  void set_call_options(http::CallOptions options) { call_options_ = options; }

 private:
  http::Client& client_;
  std::string url_;
  std::string routing_key_;
  http::CallOptions call_options_;
};

// Checks an event as PagerDuty would before sending it (so a bad one fails here, named):
// event_action in trigger|acknowledge|resolve; dedup_key <= 255; a trigger's payload has
// summary (<= 1024), source and severity in critical|error|warning|info. Throws Error(invalid_input).
void check_event(const boost::json::object& event);

}  // namespace costbot::pagerduty
