#pragma once
// The web page's view of spend (FR4): what it fetches as JSON, computed from the same queries
// the CLI, the chat commands and the REST API use (engine/query, engine/detect/budgets).
//   spend_view     totals by a dimension for a period, each with its previous period and a daily
//                  trend, filterable by other dimensions and searchable by name
//   compare_view   two values of a dimension (team vs team) day by day over a period
//   summary_view   the executive summary: month to date against budgets and the forecast, the
//                  last 30 days against the 30 before, the largest movers, what is at stake in open
//                  incidents, and the savings (open waste, approved, realised)
//   savings_view   open waste findings by dollars per month, what approvers approved, what was realised
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "engine/config/config.hpp"
#include "engine/query/costs.hpp"
#include "engine/storage/database.hpp"

namespace costbot::web {

struct SpendRequest {
  query::Dimension by = query::Dimension::team;
  query::Period period;
  query::Filters filters;
  std::string search;  // case-insensitive substring of the key or label
  std::size_t limit = 50;
};

// Parses the query parameters (by, period, where=DIM=VALUE repeatable, q, limit); throws
// Error(invalid_input) naming the parameter and the valid choices.
SpendRequest parse_spend_request(const std::optional<std::string>& by, const std::optional<std::string>& period,
                                 const std::vector<std::string>& where, const std::optional<std::string>& search,
                                 const std::optional<std::string>& limit, Day today);

boost::json::object spend_view(storage::Database& db, const config::Config& config, const SpendRequest& request);
boost::json::object compare_view(storage::Database& db, const config::Config& config, query::Dimension dimension,
                                 const std::string& a, const std::string& b, const query::Period& period);
boost::json::object summary_view(storage::Database& db, const config::Config& config, Day today);
boost::json::object savings_view(storage::Database& db, const config::Config& config);

}  // namespace costbot::web
