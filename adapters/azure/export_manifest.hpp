#pragma once
// Cost Management exports as they sit in Blob storage, turned into "what to ingest per billing
// period". Pure functions (no I/O), so they are unit-tested and fuzzed directly.
//
// An export run (the improved exports: ActualCost, AmortizedCost, FocusCost; partitioned or not)
// writes its data parts and then a manifest.json:
//   {manifestVersion, byteCount, blobCount, dataRowCount,
//    exportConfig{exportName, resourceId, dataVersion, apiVersion, type, timeFrame, granularity},
//    deliveryConfig{partitionData, dataOverwriteBehavior, fileFormat, compressionMode, containerUri, rootFolderPath},
//    runInfo{executionType, submittedTime, runId, startDate, endDate},
//    blobs[{blobName (container-relative), byteCount, dataRowCount}]}
// The manifest is written last, so it marks a complete run; paths are not parsed when a manifest
// exists. Older exports without a manifest write one whole CSV per run into a folder named after
// the period (…/<export>/YYYYMMDD-YYYYMMDD/<export>_<guid>.csv): the newest file of a folder is
// the period's data.
//
// Per period, the newest run of each export is taken (CreateNewReport keeps older runs beside it;
// OverwritePreviousReport replaces them); the runs of several exports of the same period (one per
// subscription, say) together are that period's data. Actual and amortized cost of the same
// period are never both taken: `dataset` picks one (auto: amortized when both are there).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/azure/blob_client.hpp"

namespace costbot::azure {

enum class ExportDataset { unknown, actual, amortized, focus };
std::string_view name_of(ExportDataset dataset);

struct ExportManifest {
  std::string export_name;
  std::string type;  // as written: ActualCost, AmortizedCost, FocusCost, Usage...
  ExportDataset dataset = ExportDataset::unknown;
  std::string run_id, submitted_time, start_date, end_date;
  std::string file_format, compression, overwrite;
  std::vector<std::string> blobs;  // container-relative names, in order
  std::int64_t data_row_count = -1;
};

// Throws Error(invalid_input) naming `where` and what is missing or malformed.
ExportManifest parse_export_manifest(std::string_view json, const std::string& where);

// True for the blob names of manifests ("manifest.json", "_manifest.json" at any depth).
bool is_manifest_blob(std::string_view name);

enum class DatasetChoice { automatic, actual, amortized, focus };

struct ExportPeriod {
  std::string period;   // "2024-06", or "2024-01..2024-03" for a run covering several months
  std::string version;  // opaque: changes when any export of the period has a new run
  ExportDataset dataset = ExportDataset::unknown;
  std::vector<std::string> manifests;  // blob names ("" entries for folder-based runs)
  std::vector<BlobItem> parts;         // in order; a part the listing lacks has size -1 and no etag
  std::string error;                   // set when the period cannot be ingested (Parquet, a missing part)
};

struct ExportPlan {
  std::vector<ExportPeriod> periods;  // oldest first
  std::vector<std::string> notes;     // what was left out and why (another dataset, older runs)
};

struct ManifestAt {
  BlobItem blob;
  ExportManifest manifest;
};

ExportPlan plan_export_periods(const std::vector<BlobItem>& listing, const std::vector<ManifestAt>& manifests,
                               DatasetChoice choice);

}  // namespace costbot::azure
