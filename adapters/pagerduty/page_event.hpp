#pragma once
// The PagerDuty renderer: a messages::Page (what: trigger / acknowledge / resolve an incident, with
// the finding's facts) as an Events API v2 event body (how), without the routing key, which
// EventsApi adds when it sends.
#include <boost/json.hpp>

#include <string>

#include "engine/messages/message.hpp"

namespace costbot::pagerduty {

struct PageOptions {
  std::string source = "costbot";  // pagerduty.source
  std::string client_url;          // server.public_url: "Open in costbot" from PagerDuty
};

// critical → critical, high → error, medium → warning, anything else → info.
std::string severity_for(const std::string& finding_severity);
boost::json::object event_for(const messages::Page& page, const PageOptions& options);

}  // namespace costbot::pagerduty
