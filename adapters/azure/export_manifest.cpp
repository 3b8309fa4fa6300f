#include "adapters/azure/export_manifest.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::azure {
namespace json = boost::json;
namespace {

std::string member_string(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object* member_object(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

ExportDataset dataset_of(std::string_view type) {
  auto t = text::to_lower(type);
  if (t == "actualcost" || t == "usage") return ExportDataset::actual;
  if (t == "amortizedcost") return ExportDataset::amortized;
  if (t.starts_with("focus")) return ExportDataset::focus;
  return ExportDataset::unknown;
}

// "2024-06-01T00:00:00" → the month "2024-06".
std::optional<Day> day_of_text(std::string_view s) {
  if (auto t = parse_instant(s)) return day_of(*t);
  return std::nullopt;
}

std::string months_between(std::optional<Day> start, std::optional<Day> end_inclusive) {
  if (!start) return {};
  auto first = format_month(*start);
  if (!end_inclusive || *end_inclusive <= *start) return first;
  auto last = format_month(*end_inclusive);
  return first == last ? first : first + ".." + last;
}

// The period of a manifest run: its startDate's month (..the month of the day before endDate
// when that is exclusive midnight, else endDate's month).
std::string period_of(const ExportManifest& m) {
  auto start = day_of_text(m.start_date);
  std::optional<Day> end;
  if (auto t = parse_instant(m.end_date)) {
    auto d = day_of(*t);
    end = (*t == start_of(d) && start && d > *start) ? d - std::chrono::days(1) : d;
  }
  return months_between(start, end);
}

// "…/20240601-20240630/…" → ("…/20240601-20240630", "2024-06").
std::optional<std::pair<std::string, std::string>> period_folder(std::string_view name) {
  std::size_t start = 0;
  while (start < name.size()) {
    auto end = name.find('/', start);
    if (end == std::string_view::npos) break;  // the last segment is the file name
    auto seg = name.substr(start, end - start);
    if (seg.size() == 17 && seg[8] == '-' &&
        std::all_of(seg.begin(), seg.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); })) {
      auto a = parse_day(std::string(seg.substr(0, 4)) + "-" + std::string(seg.substr(4, 2)) + "-" + std::string(seg.substr(6, 2)));
      auto b = parse_day(std::string(seg.substr(9, 4)) + "-" + std::string(seg.substr(13, 2)) + "-" + std::string(seg.substr(15, 2)));
      if (a && b) return std::make_pair(std::string(name.substr(0, end)), months_between(a, b));
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool is_data_file(std::string_view name) {
  auto n = text::to_lower(name);
  return n.ends_with(".csv") || n.ends_with(".csv.gz") || n.ends_with(".gz") || n.ends_with(".parquet");
}

struct Run {
  std::string export_key;  // export name, or the period folder for manifest-less runs
  std::string period;
  ExportDataset dataset = ExportDataset::unknown;
  std::string order_key;   // larger = newer
  std::string version;
  std::string manifest;    // blob name, "" when folder-based
  std::vector<std::string> part_names;
  std::string error;
};

}  // namespace

std::string_view name_of(ExportDataset dataset) {
  switch (dataset) {
    case ExportDataset::actual: return "actual cost";
    case ExportDataset::amortized: return "amortized cost";
    case ExportDataset::focus: return "FOCUS";
    case ExportDataset::unknown: return "unknown";
  }
  return "unknown";
}

bool is_manifest_blob(std::string_view name) {
  auto slash = name.rfind('/');
  auto base = text::to_lower(slash == std::string_view::npos ? name : name.substr(slash + 1));
  return base == "manifest.json" || base == "_manifest.json";
}

ExportManifest parse_export_manifest(std::string_view text_in, const std::string& where) {
  boost::system::error_code ec;
  auto v = json::parse(text_in, ec);
  if (ec || !v.is_object()) throw invalid_input(where + " is not a JSON object (an export manifest.json)");
  const auto& o = v.as_object();
  ExportManifest m;
  if (const auto* config = member_object(o, "exportConfig")) {
    m.export_name = member_string(*config, "exportName");
    m.type = member_string(*config, "type");
  }
  if (const auto* delivery = member_object(o, "deliveryConfig")) {
    m.file_format = member_string(*delivery, "fileFormat");
    m.compression = member_string(*delivery, "compressionMode");
    m.overwrite = member_string(*delivery, "dataOverwriteBehavior");
  }
  if (const auto* run = member_object(o, "runInfo")) {
    m.run_id = member_string(*run, "runId");
    m.submitted_time = member_string(*run, "submittedTime");
    m.start_date = member_string(*run, "startDate");
    m.end_date = member_string(*run, "endDate");
  }
  if (auto* rows = o.if_contains("dataRowCount"); rows && rows->is_int64()) m.data_row_count = rows->as_int64();
  m.dataset = dataset_of(m.type);
  auto* blobs = o.if_contains("blobs");
  if (!blobs || !blobs->is_array()) throw invalid_input(where + " has no \"blobs\" array (the parts of the export run)");
  for (const auto& b : blobs->as_array()) {
    if (!b.is_object()) throw invalid_input(where + ": an entry of \"blobs\" is not an object");
    auto name = member_string(b.as_object(), "blobName");
    if (name.empty()) throw invalid_input(where + ": an entry of \"blobs\" has no blobName");
    // blobName is container-relative; tolerate a leading slash.
    while (name.starts_with("/")) name.erase(0, 1);
    m.blobs.push_back(std::move(name));
  }
  if (m.start_date.empty()) throw invalid_input(where + " has no runInfo.startDate (the period it covers)");
  if (!parse_instant(m.start_date)) throw invalid_input(where + ": runInfo.startDate \"" + m.start_date.substr(0, 40) + "\" is not a date");
  return m;
}

ExportPlan plan_export_periods(const std::vector<BlobItem>& listing, const std::vector<ManifestAt>& manifests,
                               DatasetChoice choice) {
  ExportPlan plan;
  std::map<std::string, const BlobItem*> by_name;
  for (const auto& b : listing) by_name[b.name] = &b;

  std::vector<Run> runs;
  std::set<std::string> in_manifest_folders;  // folders holding a manifest: their files are not folder-based runs
  for (const auto& [blob, m] : manifests) {
    Run r;
    r.export_key = m.export_name.empty() ? blob.name.substr(0, blob.name.rfind('/') + 1) : m.export_name;
    r.period = period_of(m);
    r.dataset = m.dataset;
    r.order_key = m.submitted_time + "|" + std::to_string(blob.last_modified) + "|" + blob.name;
    r.version = (m.run_id.empty() ? blob.name : m.run_id) + "@" + blob.etag;
    r.manifest = blob.name;
    r.part_names = m.blobs;
    auto format = text::to_lower(m.file_format);
    if (format == "parquet" || text::to_lower(m.compression) == "snappy")
      r.error = "the export " + r.export_key + " writes Parquet (" + blob.name +
                "), which costbot cannot read: set the export's file format to CSV (gzip compression is fine)";
    if (m.blobs.empty()) r.error = "the manifest " + blob.name + " lists no data blobs";
    auto folder = blob.name.substr(0, blob.name.rfind('/') + 1);
    in_manifest_folders.insert(folder);
    for (const auto& part : m.blobs) in_manifest_folders.insert(part.substr(0, part.rfind('/') + 1));
    runs.push_back(std::move(r));
  }
  // Manifest-less runs: the newest data file of each period folder.
  std::map<std::string, std::pair<std::string, const BlobItem*>> newest;  // folder → (period, blob)
  for (const auto& b : listing) {
    if (is_manifest_blob(b.name) || !is_data_file(b.name)) continue;
    if (in_manifest_folders.count(b.name.substr(0, b.name.rfind('/') + 1))) continue;
    auto folder = period_folder(b.name);
    if (!folder) continue;
    bool covered = false;
    for (const auto& f : in_manifest_folders) covered = covered || (!f.empty() && b.name.starts_with(f));
    if (covered) continue;
    auto& slot = newest[folder->first];
    if (!slot.second || b.last_modified > slot.second->last_modified ||
        (b.last_modified == slot.second->last_modified && b.name > slot.second->name))
      slot = {folder->second, &b};
  }
  for (const auto& [folder, entry] : newest) {
    Run r;
    r.export_key = folder.substr(0, folder.rfind('/') + 1);
    r.period = entry.first;
    r.order_key = std::to_string(entry.second->last_modified) + "|" + entry.second->name;
    r.version = entry.second->name + "@" + entry.second->etag;
    r.part_names = {entry.second->name};
    if (text::to_lower(entry.second->name).ends_with(".parquet"))
      r.error = entry.second->name + " is Parquet, which costbot cannot read: set the export's file format to CSV";
    runs.push_back(std::move(r));
  }

  // Per (period, export): the newest run.
  std::map<std::pair<std::string, std::string>, Run> latest;
  for (auto& r : runs) {
    if (r.period.empty()) continue;
    auto key = std::make_pair(r.period, r.export_key + "|" + std::string(name_of(r.dataset)));
    auto it = latest.find(key);
    if (it == latest.end()) {
      latest.emplace(key, std::move(r));
    } else if (r.order_key > it->second.order_key) {
      plan.notes.push_back("older run " + (it->second.manifest.empty() ? it->second.part_names.front() : it->second.manifest) +
                           " of " + r.period + " left out (a newer run exists)");
      it->second = std::move(r);
    } else {
      plan.notes.push_back("older run " + (r.manifest.empty() ? r.part_names.front() : r.manifest) + " of " + r.period +
                           " left out (a newer run exists)");
    }
  }

  // Per period: one dataset, then every export's run together.
  std::map<std::string, std::vector<const Run*>> by_period;
  for (const auto& [key, r] : latest) by_period[key.first].push_back(&r);
  for (auto& [period, period_runs] : by_period) {
    std::set<ExportDataset> present;
    for (const auto* r : period_runs) present.insert(r->dataset);
    ExportDataset take = ExportDataset::unknown;
    switch (choice) {
      case DatasetChoice::focus: take = ExportDataset::focus; break;
      case DatasetChoice::actual: take = ExportDataset::actual; break;
      case DatasetChoice::amortized: take = ExportDataset::amortized; break;
      case DatasetChoice::automatic:
        take = present.count(ExportDataset::amortized) ? ExportDataset::amortized
               : present.count(ExportDataset::actual) ? ExportDataset::actual
                                                        : ExportDataset::unknown;
        break;
    }
    ExportPeriod out;
    out.period = period;
    out.dataset = take;
    std::vector<std::string> versions;
    for (const auto* r : period_runs) {
      // Folder-based runs carry no dataset: they count as whatever this source reads.
      bool matches = r->dataset == take || r->dataset == ExportDataset::unknown;
      if (!matches) {
        plan.notes.push_back("export " + r->export_key + " (" + std::string(name_of(r->dataset)) + ") of " + period +
                             " left out: this source reads " + std::string(name_of(take)));
        continue;
      }
      versions.push_back(r->version);
      out.manifests.push_back(r->manifest);
      if (!r->error.empty() && out.error.empty()) out.error = r->error;
      for (const auto& name : r->part_names) {
        auto it = by_name.find(name);
        if (it != by_name.end()) {
          out.parts.push_back(*it->second);
        } else {
          BlobItem missing;
          missing.name = name;
          missing.size = -1;
          out.parts.push_back(missing);
          if (out.error.empty())
            out.error = "the blob " + name + " named by the manifest " + r->manifest + " does not exist (the run is incomplete or was removed)";
        }
      }
    }
    if (versions.empty()) continue;
    std::sort(versions.begin(), versions.end());
    out.version = text::join(versions, ",");
    plan.periods.push_back(std::move(out));
  }
  return plan;
}

}  // namespace costbot::azure
