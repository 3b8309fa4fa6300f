#pragma once
// What the local web page shows besides the feeds, read straight from the engines' tables:
// findings and incidents (detection), and the ticket outbox (approval tickets recorded by the
// Jira adapter or kept local, and approved requests still waiting for theirs). Plain JSON for the
// page's polling endpoints; nothing here writes.
#include <boost/json.hpp>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"

namespace costbot::web {

struct ViewFilter {
  std::size_t limit = 50;
  bool open_only = true;
  std::int64_t id = 0;  // just this one (any status)
};

// Findings (open, or all), newest first, each with "chart_url" (relative) and the buttons the page
// draws ("Not an anomaly" for cost anomalies only: a budget or a waste finding is not one).
boost::json::object findings_view(storage::Database& db, const ViewFilter& filter);
// Incidents (open, or the one asked for) with their latest finding and its chart.
boost::json::object incidents_view(storage::Database& db, const ViewFilter& filter);
// {"tickets": [...recorded...], "awaiting": [...approved, no ticket yet, with the effect's state...]}
boost::json::object tickets_view(storage::Database& db);

}  // namespace costbot::web
