#pragma once
// Reads a daily series for a chart from CSV, so a chart can be drawn from any tool's output:
//   day,actual[,expected,lower,upper,anomaly]
// A header row is optional; when present, columns are found by name in any order (day|date|timestamp,
// actual|value|cost, expected|baseline, lower, upper, anomaly|is_anomaly), so the output of
// `costbot detect-series` charts as is. Days are YYYY-MM-DD or an instant (its UTC day).
#include <istream>
#include <string>
#include <vector>

#include "engine/render/chart.hpp"

namespace costbot::render {

struct ChartCsv {
  std::vector<ChartPoint> points;     // the good rows
  std::vector<std::string> problems;  // "file:line: reason" for each row left out
};

ChartCsv read_chart_csv(std::istream& in, const std::string& file_name);

}  // namespace costbot::render
