#include "adapters/pagerduty/events_api.hpp"

#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::pagerduty {
namespace json = boost::json;

namespace {
}  // namespace

void check_event(const json::object& event) {
  const auto action = json_string(event, "event_action");
  if (action != "trigger" && action != "acknowledge" && action != "resolve")
    throw invalid_input("PagerDuty event_action must be trigger, acknowledge or resolve, got \"" + action + "\"");
  const auto dedup = json_string(event, "dedup_key");
  if (dedup.size() > 255) throw invalid_input("PagerDuty dedup_key is longer than 255 characters");
  if (action != "trigger") {
    if (dedup.empty()) throw invalid_input("PagerDuty " + action + " needs the dedup_key of the alert");
    return;
  }
  auto* payload = event.if_contains("payload");
  if (!payload || !payload->is_object()) throw invalid_input("PagerDuty trigger has no payload object");
  const auto& p = payload->as_object();
  const auto summary = json_string(p, "summary");
  if (summary.empty() || summary.size() > 1024) throw invalid_input("PagerDuty payload.summary must be 1..1024 characters");
  if (json_string(p, "source").empty()) throw invalid_input("PagerDuty payload.source is required");
  const auto severity = json_string(p, "severity");
  if (severity != "critical" && severity != "error" && severity != "warning" && severity != "info")
    throw invalid_input("PagerDuty payload.severity must be critical, error, warning or info, got \"" + severity + "\"");
}

EventsApi::EventsApi(http::Client& client, std::string events_url, std::string routing_key)
    : client_(client), url_(std::move(events_url)), routing_key_(std::move(routing_key)) {
  call_options_.idempotency = http::Idempotency::idempotent;  // dedup_key makes a repeat harmless
}

EventResult EventsApi::send(json::object event) {
  if (routing_key_.empty()) throw Error(ErrorKind::unavailable, "PagerDuty routing key is not configured");
  check_event(event);
  event["routing_key"] = routing_key_;
  auto response = client_.send(http::Request::post_json(url_, json::serialize(event)), call_options_);
  boost::system::error_code ec;
  auto body = json::parse(response.body, ec);
  const json::object empty;
  const auto& answer = !ec && body.is_object() ? body.as_object() : empty;
  if (response.status != 202) {
    std::string why = json_string(answer, "message");
    if (auto* errors = answer.if_contains("errors"); errors && errors->is_array())
      for (const auto& e : errors->as_array())
        if (e.is_string()) why += (why.empty() ? "" : ": ") + std::string(e.as_string());
    throw http::error_for_status(response, "PagerDuty event " + json_string(event, "event_action") + (why.empty() ? "" : " (" + why + ")"));
  }
  return EventResult{json_string(answer, "status"), json_string(answer, "message"), json_string(answer, "dedup_key")};
}

}  // namespace costbot::pagerduty
