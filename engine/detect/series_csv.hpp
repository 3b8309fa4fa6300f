#pragma once
// Streams a `timestamp,value` CSV through the statistical detector and writes
// `timestamp,value,anomaly_score,is_anomaly`, one output row per input row, in order. Each row is
// written as soon as it is scored, from the rows before it only. Backs `costbot detect-series`.
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/detect/series_detector.hpp"

namespace costbot::detect {

struct SeriesCsvOptions {
  int period = 0;          // 0 = find it (calendar periods from the timestamp spacing are hints)
  double threshold = 0;    // 0 = the detector's default
};

struct BadRow {
  long long line = 0;
  std::string reason;
};

struct SeriesCsvResult {
  long long rows = 0;
  long long anomalies = 0;
  int period = 0;            // the period in use at the end
  double spacing_seconds = 0;
  std::vector<BadRow> bad_rows;  // written with score 0, kept out of the detector
};

// The options used for generic series (tuned on nothing in particular: see README ## Detection).
DetectorOptions generic_series_options();

// Throws Error(invalid_input) when the header lacks timestamp/value columns.
SeriesCsvResult detect_series_csv(std::istream& in, std::ostream& out, const SeriesCsvOptions& options);

}  // namespace costbot::detect
