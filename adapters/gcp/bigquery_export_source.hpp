#pragma once
// The Cloud Billing export in BigQuery as a remote source (engine/ingest/remote_source.hpp):
//   bq://PROJECT.DATASET.TABLE?settings   (type gcp; standard or detailed export table)
// list() runs the changed-months query from the watermark (the newest version the engine has
// stored for this source; none, or a backfill's from_period, rescans from that month) and returns one delivery per invoice month with rows exported since,
// version = that month's MAX(export_time); a month's single part streams the month query as gcp
// CSV (billing_export.hpp). A broken stream is resumed by running the (ordered) query again and
// skipping the bytes already read.
//
// Settings: location (the dataset's BigQuery location: US, EU, europe-west1, ...), job_project,
// partition_column (default _PARTITIONTIME), lookback_days (5), history_months (3: the first run),
// maximum_bytes_billed, page_rows, endpoint (default https://bigquery.googleapis.com);
// credentials: key_file (else GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, the metadata
// server), credential=automatic|key_file|metadata_server, metadata_host (else GCE_METADATA_HOST),
// token_uri.
#include <map>
#include <memory>
#include <string>

#include "adapters/gcp/billing_export.hpp"
#include "adapters/identity/environment.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::identity {
class GoogleCredential;
}

namespace costbot::gcp {

class BigQueryExportSource final : public ingest::RemoteSource {
 public:
  BigQueryExportSource(ingest::RemoteLocation location, std::unique_ptr<identity::GoogleCredential> credential,
                       BillingExportOptions options, const std::string& endpoint, http::Client& client, const Clock& clock);
  ~BigQueryExportSource() override;

  std::string location() const override { return options_.table.display(); }
  void begin_run(const ingest::RunContext& context) override;
  std::vector<ingest::Delivery> list() override;
  std::unique_ptr<ingest::ByteSource> open(const ingest::RemoteObject& part, std::uint64_t offset) override;
  std::vector<ingest::CheckStep> check() override;

  std::int64_t watermark() const { return watermark_; }
  const ChangeScan& last_scan() const { return last_scan_; }
  const BillingExport& billing_export() const { return *export_; }

 private:
  ingest::RemoteLocation location_;
  BillingExportOptions options_;
  std::unique_ptr<identity::GoogleCredential> credential_;
  std::unique_ptr<BigQueryClient> client_;
  std::unique_ptr<BillingExport> export_;
  std::int64_t watermark_ = 0;
  ChangeScan last_scan_;
};

std::unique_ptr<ingest::RemoteSource> open_bigquery_export_source(
    const ingest::RemoteLocation& location, http::Client& client, const Clock& clock,
    const identity::Environment& env = identity::process_environment());

}  // namespace costbot::gcp
