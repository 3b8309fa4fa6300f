#pragma once
// The composition root for remote billing locations: which adapter reads which URL scheme
// (s3:// → adapters/aws Data Exports; Azure and GCP register theirs here too), sharing one HTTPS
// client (proxy settings from the environment, timeouts from http_client:).
#include <memory>

#include "adapters/http/client.hpp"
#include "engine/config/config.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/util/time.hpp"

namespace costbot::sources {

class RemoteSources {
 public:
  RemoteSources(const config::Config& config, const Clock& clock);
  const ingest::RemoteSourceRegistry& registry() const { return registry_; }
  http::Client& client() { return *client_; }

 private:
  std::unique_ptr<http::Client> client_;
  ingest::RemoteSourceRegistry registry_;
};

}  // namespace costbot::sources
