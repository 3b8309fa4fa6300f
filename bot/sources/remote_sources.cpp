#include "bot/sources/remote_sources.hpp"

#include "adapters/aws/cost_explorer.hpp"
#include "adapters/aws/data_exports.hpp"

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
}

}  // namespace costbot::sources
