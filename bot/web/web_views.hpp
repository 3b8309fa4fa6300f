#pragma once
// What the local web page shows besides the feeds, read straight from the engines' tables:
// findings and incidents (detection), and the ticket outbox (approval tickets recorded by the
// Jira adapter or kept local, and approved requests still waiting for theirs). Plain JSON for the
// page's polling endpoints; nothing here writes.
#include <boost/json.hpp>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"

namespace costbot::web {

// Open findings, newest first, each with "chart_url" (relative) and the buttons the page draws.
boost::json::object findings_view(storage::Database& db, std::size_t limit);
// Open incidents with their latest finding and its chart.
boost::json::object incidents_view(storage::Database& db, std::size_t limit);
// {"tickets": [...recorded...], "awaiting": [...approved, no ticket yet, with the effect's state...]}
boost::json::object tickets_view(storage::Database& db);

}  // namespace costbot::web
