#pragma once
// Azure Storage Shared Key authorization (REST API "Authorize with Shared Key", version 2015-02-21
// and later):
//   Authorization: SharedKey <account>:<base64(HMAC-SHA256(base64decode(key), StringToSign))>
//   StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length (empty for 0) \n
//                  Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
//                  If-None-Match \n If-Unmodified-Since \n Range \n
//                  CanonicalizedHeaders (every x-ms-* header, lower-case, sorted, "name:value\n")
//                  CanonicalizedResource ("/" account + the URL's encoded path, then for each query
//                  parameter sorted by lower-case name "\nname:value1,value2" with decoded values).
// With path-style URLs (Azurite, IP hosts) the path starts with the account, so the account
// appears twice in the resource: "/devstoreaccount1/devstoreaccount1/container".
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace costbot::azure {

struct SignedRequest {
  std::string method;
  std::string path;  // as sent (percent-encoded), without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // as sent (any case)
};

std::string shared_key_string_to_sign(const std::string& account, const SignedRequest& request);
// "SharedKey account:signature". Throws Error(invalid_input) when the key is not base64.
std::string shared_key_authorization(const std::string& account, const std::string& key_base64,
                                     const SignedRequest& request);

}  // namespace costbot::azure
