#pragma once
// Streams a `timestamp,value` CSV through a detector and writes
// `timestamp,value,anomaly_score,is_anomaly`, one output row per input row, in order. Each row is
// written as soon as it is scored, from the rows before it only. Backs `costbot detect-series`.
//
// Profiles: `daily_cost` runs the daily cost detector exactly as `costbot detect` runs it on a
// scope's daily series (daily_detector.hpp, options from the config's detection.anomaly), with no
// dollar floor unless one is asked for; `generic` runs the seasonal streaming detector
// (series_detector.hpp) for any other spacing; `auto` picks daily_cost when the first rows are a
// day apart. Either way is_anomaly is exactly anomaly_score >= 0.5.
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/series_detector.hpp"

namespace costbot::detect {

enum class SeriesProfile { automatic, daily_cost, generic };

struct SeriesCsvOptions {
  SeriesProfile profile = SeriesProfile::automatic;
  int period = 0;          // generic: 0 = find it (calendar periods from the timestamp spacing are hints)
  double threshold = 0;    // 0 = the profile's default (generic 5, daily the config's threshold)
  double min_impact = 0;   // daily: |change| per day below this never alerts (0 = no dollar floor)
  config::AnomalyConfig anomaly;  // daily: the config's detection.anomaly
};

struct BadRow {
  long long line = 0;
  std::string reason;
};

struct SeriesCsvResult {
  long long rows = 0;
  long long anomalies = 0;
  std::string profile;       // "daily_cost" or "generic"
  int period = 0;            // generic: the period in use at the end
  double spacing_seconds = 0;
  std::vector<BadRow> bad_rows;  // written with score 0, kept out of the detector
};

// The options used for generic series (tuned on nothing in particular: see README ## Detection).
DetectorOptions generic_series_options();

// Throws Error(invalid_input) when the header lacks timestamp/value columns.
SeriesCsvResult detect_series_csv(std::istream& in, std::ostream& out, const SeriesCsvOptions& options);

}  // namespace costbot::detect
