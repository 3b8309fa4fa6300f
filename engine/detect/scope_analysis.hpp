#pragma once
// One scope's daily cost series (team=payments, service=..., ...) read from the store and run
// through the cost anomaly layer with its calendar (holidays, planned events) and its feedback
// tuning. Shared by the detection run and by the chart series of a finding.
#include <span>
#include <string>
#include <vector>

#include "engine/detect/cost_anomalies.hpp"
#include "engine/detect/tuning.hpp"

namespace costbot::detect {

struct ScopeSeries {
  std::string dimension, value;
  Day first_day{};
  std::vector<double> values;  // effective cost per day from first_day
};

// Every value of `dimension` with cost in [from, to] (inclusive).
std::vector<ScopeSeries> load_scope_series(storage::Database& db, const std::string& dimension, Day from, Day to);
ScopeSeries load_scope_series(storage::Database& db, const std::string& dimension, const std::string& value, Day from, Day to);

CostCalendar calendar_for(const config::Config& config, const std::vector<PlannedEvent>& events,
                          const std::string& dimension, const std::string& value);
CostTuning tuning_for(const TuningTable& tuning, const std::string& dimension, const std::string& value);

CostAnalysis analyze_scope(const config::Config& config, const ScopeSeries& series,
                           const std::vector<PlannedEvent>& events, const TuningTable& tuning);
// Every series, in order: those that share their days, calendar and tuning (most of them) go
// through the eight-lane batch detector together; the same results as analyze_scope one by one.
std::vector<CostAnalysis> analyze_scopes(const config::Config& config, std::span<const ScopeSeries> series,
                                         const std::vector<PlannedEvent>& events, const TuningTable& tuning);

}  // namespace costbot::detect
