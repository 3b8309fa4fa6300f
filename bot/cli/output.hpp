#pragma once
// Tabular output for CLI commands: an aligned text table, CSV, or JSON (array of objects).
#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace costbot::cli {

struct Table {
  std::vector<std::string> headers;
  std::vector<bool> right_aligned;  // per column; numbers read best right-aligned
  std::vector<std::vector<std::string>> rows;
};

void print_table(std::ostream& out, const Table& table);
void print_csv(std::ostream& out, const Table& table);
std::string csv_field(const std::string& value);
void print_json(std::ostream& out, const boost::json::value& value);  // pretty, newline-terminated
// Stored details (audit rows, decisions) as JSON when they parse, else as the plain string.
boost::json::value json_or_text(const std::string& text);

}  // namespace costbot::cli
