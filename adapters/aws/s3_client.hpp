#pragma once
// The few S3 calls billing exports need: ListObjectsV2 (all pages, continuation tokens) and
// GetObject, small objects as text (manifests) and large ones as streams (Range from an offset,
// If-Match on the listed ETag). Addressing: virtual-hosted on AWS; path-style for a custom
// endpoint that is an IP address or localhost (emulators), when asked, or for bucket names with
// dots over TLS. Every request is SigV4-signed; credentials that expire mid-run are refreshed and
// the request repeated once. Failures come back as http::RemoteError in words (aws_errors.hpp).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "adapters/aws/aws_xml.hpp"
#include "adapters/aws/credentials.hpp"
#include "adapters/http/client.hpp"

namespace costbot::aws {

struct S3Settings {
  std::string region = "us-east-1";
  std::string endpoint;     // "" = AWS; else e.g. http://127.0.0.1:4568
  bool force_path_style = false;
  int max_keys = 1000;      // per listing page
};

class S3Client {
 public:
  S3Client(http::Client& client, std::shared_ptr<CredentialProvider> credentials, const Clock& clock, S3Settings settings);

  ListPage list_page(const std::string& bucket, const std::string& prefix, const std::string& continuation_token);
  // Every object under the prefix, page after page.
  std::vector<S3ObjectEntry> list_all(const std::string& bucket, const std::string& prefix);
  // A small object's content (at most max_bytes).
  std::string get_text(const std::string& bucket, const std::string& key, std::size_t max_bytes = 16 << 20);
  // The object's bytes from `offset`, as a stream; `etag` ("" = any) must still match.
  std::unique_ptr<http::BodyStream> get_stream(const std::string& bucket, const std::string& key, std::uint64_t offset,
                                               const std::string& etag);

  std::int64_t requests() const { return requests_; }
  const S3Settings& settings() const { return settings_; }

 private:
  struct Target {
    std::string url, host, path, query;
  };
  Target target(const std::string& bucket, const std::string& key, const std::string& query) const;
  http::Request signed_request(const Target& t, std::vector<std::pair<std::string, std::string>> headers);

  http::Client& client_;
  std::shared_ptr<CredentialProvider> credentials_;
  const Clock& clock_;
  S3Settings settings_;
  std::atomic<std::int64_t> requests_{0};
};

// "s3://bucket/prefix/" → bucket, prefix; throws Error(invalid_input) for anything else.
std::pair<std::string, std::string> split_s3_url(const std::string& url);

}  // namespace costbot::aws
