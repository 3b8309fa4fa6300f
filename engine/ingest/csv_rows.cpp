#include "engine/ingest/csv_rows.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {
namespace {

std::string header_key(std::string_view name) {
  std::string key = text::to_lower(text::trim(name));
  for (char& c : key)
    if (c == '.') c = '_';
  return key;
}

// A field value quoted in an error message, shortened so one bad row cannot flood the output.
std::string shown(std::string_view value) {
  if (value.size() > 40) return "\"" + std::string(value.substr(0, 37)) + "...\"";
  return "\"" + std::string(value) + "\"";
}

bool two_digits_or_one(std::string_view s, std::size_t& pos, int& out) {
  int v = 0, n = 0;
  while (pos < s.size() && n < 2 && s[pos] >= '0' && s[pos] <= '9') {
    v = v * 10 + (s[pos++] - '0');
    ++n;
  }
  out = v;
  return n > 0;
}

}  // namespace

std::optional<double> parse_amount(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<UnixSeconds> parse_billing_instant(std::string_view s) {
  s = text::trim(s);
  if (auto t = parse_instant(s)) return t;
  // US style month/day/year, as Azure EA exports write dates.
  std::size_t pos = 0;
  int month, day;
  if (!two_digits_or_one(s, pos, month) || pos >= s.size() || s[pos++] != '/') return std::nullopt;
  if (!two_digits_or_one(s, pos, day) || pos >= s.size() || s[pos++] != '/') return std::nullopt;
  if (pos + 4 > s.size()) return std::nullopt;
  return parse_instant(fmt::format("{}-{:02}-{:02}{}", s.substr(pos, 4), month, day, s.substr(pos + 4)));
}

CsvRows::CsvRows(std::unique_ptr<ByteSource> source, std::string name, std::string format_name)
    : csv_(std::move(source), name), name_(std::move(name)), format_name_(std::move(format_name)) {}

void CsvRows::read_header() {
  if (!csv_.next()) throw invalid_input(name_ + " is empty: expected " + format_name_ + " header line");
  if (csv_.saw_binary() || csv_.starts_binary())
    throw invalid_input(name_ + " is not a CSV text file (binary data at its start); expected " + format_name_ + " file");
  if (!csv_.problem().empty())
    throw invalid_input(name_ + ":" + std::to_string(csv_.line()) + ": the header line is not valid CSV (" +
                        csv_.problem() + ")");
  for (const auto& f : csv_.fields()) {
    header_.emplace_back(f.text);
    header_key_.push_back(header_key(f.text));
  }
}

int CsvRows::column(std::initializer_list<std::string_view> names) const {
  for (auto name : names) {
    std::string key = header_key(name);
    for (std::size_t i = 0; i < header_key_.size(); ++i)
      if (header_key_[i] == key) return static_cast<int>(i);
  }
  return -1;
}

int CsvRows::required(std::initializer_list<std::string_view> names) {
  int col = column(names);
  if (col < 0) missing_.emplace_back(*names.begin());
  return col;
}

void CsvRows::check_required() {
  if (missing_.empty()) return;
  std::vector<std::string> seen(header_.begin(), header_.begin() + static_cast<long>(std::min<std::size_t>(header_.size(), 8)));
  for (auto& s : seen)
    if (s.size() > 40) s = s.substr(0, 37) + "...";
  std::string found = text::join(seen, ", ");
  if (header_.size() > seen.size()) found += ", ...";
  throw invalid_input(name_ + " is not " + format_name_ + " file: missing required column" +
                      (missing_.size() > 1 ? "s " : " ") + text::join(missing_, ", ") + " (its first line has " +
                      std::to_string(header_.size()) + " column" + (header_.size() == 1 ? "" : "s") + ": " + found +
                      ")");
}

bool CsvRows::next() {
  if (!csv_.next()) return false;
  error_.clear();
  record_ = CostRecord{};
  if (csv_.saw_binary()) {
    reject("binary data (NUL bytes) in the row");
  } else if (!csv_.problem().empty()) {
    reject("not valid CSV: " + csv_.problem());
  } else if (csv_.size() != header_.size()) {
    reject("expected " + std::to_string(header_.size()) + " fields as in the header, found " +
           std::to_string(csv_.size()));
  } else {
    map_row();
  }
  return true;
}

std::string_view CsvRows::text(int col) const {
  if (col < 0) return {};
  const auto& f = csv_[static_cast<std::size_t>(col)];
  return f.missing() ? std::string_view{} : f.text;
}

bool CsvRows::number(int col, double& out, bool required) {
  if (!present(col)) {
    out = 0;
    if (required) return reject(header_name(col) + " is empty");
    return true;
  }
  auto value = csv_[static_cast<std::size_t>(col)].text;
  auto parsed = parse_amount(value);
  if (!parsed) return reject(header_name(col) + ": expected a number, got " + shown(value));
  out = *parsed;
  return true;
}

bool CsvRows::instant(int col, UnixSeconds& out) {
  if (!present(col)) return reject(header_name(col) + " is empty");
  auto value = csv_[static_cast<std::size_t>(col)].text;
  auto parsed = parse_billing_instant(value);
  if (!parsed) return reject(header_name(col) + ": expected a date/time such as 2024-09-18T22:00:00Z, got " + shown(value));
  out = *parsed;
  return true;
}

bool CsvRows::reject(std::string reason) {
  if (error_.empty()) error_ = std::move(reason);
  return false;
}

std::unique_ptr<RecordReader> open_cost_reader(SourceType type, std::unique_ptr<ByteSource> source,
                                               const std::string& name) {
  switch (type) {
    case SourceType::focus: return make_focus_reader(std::move(source), name);
    case SourceType::cur: return make_cur_reader(std::move(source), name);
    case SourceType::azure: return make_azure_reader(std::move(source), name);
    case SourceType::gcp: {
      // Newline-delimited JSON starts with an object; anything else is read as CSV.
      char first = 0;
      std::string head;
      std::size_t n;
      char buf[4096];
      while ((n = source->read(buf, sizeof buf)) > 0) {
        head.append(buf, n);
        auto pos = head.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
        if (pos != std::string::npos) {
          first = head[pos];
          break;
        }
      }
      auto rest = prepend(std::move(head), std::move(source));
      if (first == '{') return make_gcp_json_reader(std::move(rest), name);
      return make_gcp_csv_reader(std::move(rest), name);
    }
    case SourceType::usage: break;
  }
  throw invalid_input("usage metrics are not cost records");
}

}  // namespace costbot::ingest
