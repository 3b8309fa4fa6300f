#pragma once
// The daily series behind a cost-anomaly finding, for drawing its chart: actual, expected and the
// normal range per day, with the anomalous days flagged. Recomputed from the store with the same
// calendar and tuning the detection run uses, so the picture matches the alert.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::detect {

struct ChartSeries {
  std::int64_t finding_id = 0;
  std::string title;
  std::string scope_dimension, scope_value;
  std::vector<Day> days;
  std::vector<double> actual, expected, lower, upper;
  std::vector<bool> anomalous;
  std::optional<Day> highlight_from, highlight_to;  // the finding's window
};

// Throws Error(not_found) for an unknown id, Error(invalid_input) for a finding that is not a
// cost anomaly (waste and budget findings have no series of this kind).
ChartSeries finding_chart_series(storage::Database& db, const config::Config& config, std::int64_t finding_id,
                                 int days_shown = 60);
// The same for any scope, up to `to` (inclusive).
ChartSeries scope_chart_series(storage::Database& db, const config::Config& config, const std::string& dimension,
                               const std::string& value, Day to, int days_shown = 60);

boost::json::object to_json(const ChartSeries& s);

}  // namespace costbot::detect
