#pragma once
// Reading Blob storage over its REST API, through the shared HTTPS client:
//   List Blobs  GET {service}/{container}?restype=container&comp=list&prefix=P&maxresults=N[&marker=M]
//               → <EnumerationResults> ... <Blobs><Blob><Name/><Properties><Last-Modified/><Etag/>
//                 <Content-Length/>...</Properties></Blob>... <NextMarker/> (empty when done)
//   Get Blob    GET {service}/{container}/{blob} with x-ms-range: bytes=a-b and If-Match: <etag>
// authorized with Shared Key (account key), a SAS, or an Entra bearer token for
// https://storage.azure.com/.default (then a data-plane role such as Storage Blob Data Reader is
// needed). Every request carries x-ms-date and x-ms-version.
//
// Failures throw http::RemoteError with the blob or container and the reason in words
// (AuthenticationFailed: wrong key or clock skew; AuthorizationPermissionMismatch: which role is
// missing; ContainerNotFound / BlobNotFound; ConditionNotMet: the blob changed while being read),
// code() = the service's x-ms-error-code.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/azure/blob_location.hpp"
#include "adapters/http/client.hpp"
#include "engine/util/time.hpp"

namespace costbot::identity {
class EntraCredential;
}

namespace costbot::azure {

// The Entra ID scope of Azure Storage (Blob reads with a bearer token).
inline constexpr const char* kStorageScope = "https://storage.azure.com/.default";

enum class BlobAuthKind { shared_key, sas, bearer, anonymous };
std::string_view name_of(BlobAuthKind kind);

struct BlobAuth {
  BlobAuthKind kind = BlobAuthKind::anonymous;
  std::string account_key;  // shared_key (base64)
  std::string sas;          // sas (query without '?')
  identity::EntraCredential* entra = nullptr;  // bearer (not owned)
};

struct BlobItem {
  std::string name;  // container-relative
  std::string etag;
  std::int64_t size = 0;
  UnixSeconds last_modified = 0;
};

struct BlobPage {
  std::vector<BlobItem> blobs;
  std::string next_marker;  // "" when this was the last page
};

struct BlobChunk {
  std::string bytes;
  std::string etag;
  std::int64_t total_size = -1;  // from Content-Range (-1 when the server did not say)
};

class BlobClient {
 public:
  BlobClient(http::Client& client, std::string service_url, std::string account, BlobAuth auth, const Clock& clock);

  BlobPage list_page(const std::string& container, const std::string& prefix, const std::string& marker,
                     int max_results = 5000);
  // Every blob under the prefix, following NextMarker.
  std::vector<BlobItem> list_all(const std::string& container, const std::string& prefix);
  // Bytes [offset, offset + length) of a blob (fewer at its end); If-Match when `etag` is set.
  BlobChunk read_range(const std::string& container, const std::string& blob, std::uint64_t offset, std::uint64_t length,
                       const std::string& etag = {});
  // A whole small blob (a manifest), with its ETag.
  BlobChunk read_all(const std::string& container, const std::string& blob, std::size_t max_bytes = 16 << 20);

  // https://account.blob.core.windows.net/container/blob, for messages.
  std::string url_of(const std::string& container, const std::string& blob) const;
  std::size_t requests() const { return requests_; }
  const BlobAuth& auth() const { return auth_; }

 private:
  http::Response call(const std::string& container, const std::string& blob,
                      std::vector<std::pair<std::string, std::string>> query,
                      std::vector<std::pair<std::string, std::string>> headers, const std::string& what);

  http::Client& client_;
  std::string service_url_;
  std::string service_path_;  // the service URL's path ("/devstoreaccount1" path-style, else "")
  std::string account_;
  BlobAuth auth_;
  const Clock& clock_;
  std::size_t requests_ = 0;
};

// The storage REST API version sent as x-ms-version (Azurite 3.3x and Azure both accept it).
constexpr const char* kStorageApiVersion = "2021-08-06";

// A blob name percent-encoded for a URL path ('/' kept).
std::string encode_blob_path(std::string_view name);

// The parsed List Blobs XML (exposed for the fuzzer). Throws Error(invalid_input) when it is not.
BlobPage parse_blob_listing(std::string_view xml);

}  // namespace costbot::azure
