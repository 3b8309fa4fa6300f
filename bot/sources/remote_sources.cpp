#include "bot/sources/remote_sources.hpp"

#include "adapters/aws/cost_explorer.hpp"
#include "adapters/aws/data_exports.hpp"
#include "adapters/azure/blob_export_source.hpp"
#include "adapters/azure/cost_query_source.hpp"
#include "adapters/gcp/bigquery_export_source.hpp"

namespace costbot::sources {

RemoteSources::RemoteSources(const config::Config& config, const Clock& clock)
    : client_(std::make_unique<http::Client>(http::ClientOptions::from(config.http_client))) {
  http::Client& client = *client_;
  // Billing exports are large: no whole-body limit applies to streamed objects.
  registry_.add("s3", [&client, &clock](const ingest::RemoteLocation& location) {
    return aws::open_s3_export_source(location, client, clock);
  });
  registry_.add("aws-cost-explorer", [&client, &clock](const ingest::RemoteLocation& location) {
    return aws::open_cost_explorer_source(location, client, clock);
  });
  // Azure Cost Management exports in Blob storage: https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH/
  // (http:// only for path-style emulators on loopback), or azure-blob://CONTAINER/PATH/ with a
  // connection string; the Cost Management Query API: azure-query://SCOPE.
  auto blob = [&client, &clock](const ingest::RemoteLocation& location) {
    return azure::open_blob_export_source(location, client, clock);
  };
  registry_.add("https", blob);
  registry_.add("http", blob);
  registry_.add("azure-blob", blob);
  registry_.add("azure-query", [&client, &clock](const ingest::RemoteLocation& location) {
    return azure::open_cost_query_source(location, client, clock);
  });
  // The Cloud Billing export in BigQuery: bq://PROJECT.DATASET.TABLE.
  registry_.add("bq", [&client, &clock](const ingest::RemoteLocation& location) {
    return gcp::open_bigquery_export_source(location, client, clock);
  });
}

}  // namespace costbot::sources
