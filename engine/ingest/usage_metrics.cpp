// Usage metrics CSV (timestamp,resource_id,metric,value), e.g. CPUUtilization or the attachment
// state of a volume, for the waste rules. A sample is keyed by (resource, metric, time), so
// re-ingesting a file rewrites the same samples and never duplicates them.
#include "engine/ingest/csv_reader.hpp"
#include "engine/ingest/csv_rows.hpp"
#include "engine/ingest/file_ingest.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {

RunCounts ingest_usage_metrics(storage::Database& db, const std::string& path, std::unique_ptr<ByteSource> source,
                               Quarantine& quarantine) {
  CsvReader csv(std::move(source), path);
  if (!csv.next()) throw invalid_input(path + " is empty: expected a header timestamp,resource_id,metric,value");
  if (csv.saw_binary() || csv.starts_binary())
    throw invalid_input(path + " is not a CSV text file (binary data at its start)");
  int cols[4] = {-1, -1, -1, -1};
  const char* names[4] = {"timestamp", "resource_id", "metric", "value"};
  for (std::size_t i = 0; i < csv.size(); ++i)
    for (int k = 0; k < 4; ++k)
      if (text::iequals(text::trim(csv[i].text), names[k]) && cols[k] < 0) cols[k] = static_cast<int>(i);
  std::vector<std::string> missing;
  for (int k = 0; k < 4; ++k)
    if (cols[k] < 0) missing.emplace_back(names[k]);
  if (!missing.empty())
    throw invalid_input(path + " is not a usage metrics CSV: missing required column" + (missing.size() > 1 ? "s " : " ") +
                        text::join(missing, ", ") + " (expected timestamp,resource_id,metric,value)");
  const std::size_t columns = csv.size();

  SQLite::Statement insert(db.sql(), "INSERT OR REPLACE INTO usage_metrics(resource_id, metric, ts, value) VALUES (?, ?, ?, ?)");
  RunCounts counts;
  auto field = [&](int k) { return text::trim(csv[static_cast<std::size_t>(cols[k])].text); };
  while (csv.next()) {
    ++counts.read;
    std::string reason;
    std::optional<UnixSeconds> ts;
    std::optional<double> value;
    if (!csv.problem().empty()) reason = "not valid CSV: " + csv.problem();
    else if (csv.size() != columns)
      reason = "expected " + std::to_string(columns) + " fields as in the header, found " + std::to_string(csv.size());
    else if (!(ts = parse_billing_instant(field(0))))
      reason = "timestamp: expected a date/time such as 2024-09-18T22:00:00Z, got \"" + std::string(field(0).substr(0, 40)) + "\"";
    else if (field(1).empty()) reason = "resource_id is empty";
    else if (field(2).empty()) reason = "metric is empty";
    else if (!(value = parse_amount(field(3))))
      reason = "value: expected a number, got \"" + std::string(field(3).substr(0, 40)) + "\"";
    if (!reason.empty()) {
      quarantine.reject(csv.line(), reason, csv.raw());
      continue;
    }
    insert.bind(1, std::string(field(1)));
    insert.bind(2, std::string(field(2)));
    insert.bind(3, static_cast<int64_t>(*ts));
    insert.bind(4, *value);
    insert.exec();
    insert.reset();
    ++counts.accepted;
  }
  return counts;
}

}  // namespace costbot::ingest
