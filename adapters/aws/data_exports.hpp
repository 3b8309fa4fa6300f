#pragma once
// AWS billing exports in S3 as a remote source (engine/ingest/remote_source.hpp):
//   - Data Exports (CUR 2.0, FOCUS 1.0): <prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json
//     naming its dataFiles (full s3:// URIs) and executionId;
//   - legacy CUR: <prefix>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json with reportKeys and
//     assemblyId (the manifest directly in the period folder names the current assembly);
//   - no manifest: every .csv / .csv.gz object under the prefix, grouped by the billing period in
//     its key (BILLING_PERIOD=YYYY-MM, year=YYYY/month=M, or a yyyymmdd-yyyymmdd folder), else one
//     delivery per object.
// A period's version is its manifest's execution / assembly id plus the manifest's ETag (an
// overwrite-mode export rewrites the same manifest), or the sorted ETags of its files.
// Parquet exports are refused with a message naming the CSV export option.
//
// Location settings (the URL's query): region, endpoint, path_style=true, profile, role_arn,
// external_id, role_session_name, access_key_id_env / secret_access_key_env.
#include <memory>
#include <string>
#include <vector>

#include "adapters/aws/s3_client.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::aws {

// The deliveries in one listing (pure: tests and the fuzz target call it directly).
// `read_manifest` returns a manifest object's text.
std::vector<ingest::Delivery> plan_export_deliveries(const std::string& bucket, const std::vector<S3ObjectEntry>& objects,
                                                     ingest::SourceType type,
                                                     const std::function<std::string(const std::string& key)>& read_manifest);

struct ManifestInfo {
  std::string version;             // executionId / assemblyId
  std::string period;              // YYYY-MM when the manifest says
  std::vector<std::string> files;  // object keys in the export's bucket
  bool parquet = false;
};
// Parses a Data Exports or legacy CUR manifest; throws Error(invalid_input) naming what is wrong.
ManifestInfo parse_export_manifest(const std::string& text, const std::string& bucket, const std::string& manifest_key);

class S3ExportSource final : public ingest::RemoteSource {
 public:
  S3ExportSource(ingest::RemoteLocation location, std::shared_ptr<S3Client> s3);
  std::string location() const override { return location_.base; }
  std::vector<ingest::Delivery> list() override;
  std::unique_ptr<ingest::ByteSource> open(const ingest::RemoteObject& part, std::uint64_t offset) override;
  std::vector<ingest::CheckStep> check() override;

 private:
  ingest::RemoteLocation location_;
  std::shared_ptr<S3Client> s3_;
  std::string bucket_, prefix_;
};

// The adapter factory for "s3://" locations: credentials and endpoints resolved from the settings
// and the environment, requests through `client`.
std::unique_ptr<ingest::RemoteSource> open_s3_export_source(const ingest::RemoteLocation& location, http::Client& client,
                                                            const Clock& clock);

}  // namespace costbot::aws
