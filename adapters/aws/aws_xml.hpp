#pragma once
// The XML AWS answers with: S3 ListObjectsV2 pages, STS credentials, and error documents (S3's
// <Error>, the query APIs' <ErrorResponse><Error>). Parsed with pugixml; anything malformed throws
// Error(invalid_input) saying what is missing, never crashes (tests/fuzz/fuzz_aws_parsers.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace costbot::aws {

struct S3ObjectEntry {
  std::string key;            // decoded when the listing used encoding-type=url
  std::string etag;           // without the surrounding quotes
  std::string last_modified;  // ISO 8601 as sent
  std::int64_t size = 0;
};

struct ListPage {
  std::vector<S3ObjectEntry> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken when truncated
};

// `url_encoded`: the request asked for encoding-type=url, so keys are percent-decoded.
ListPage parse_list_objects_v2(std::string_view xml, bool url_encoded);

struct AwsErrorDocument {
  std::string code;        // "AccessDenied", "NoSuchBucket", "ExpiredToken", ...
  std::string message;
  std::string resource;    // S3: the bucket or key concerned
  std::string request_id;
  std::string region;      // S3 redirects: the bucket's region
  std::string server_time; // RequestTimeTooSkewed: the server's clock
};
// nullopt when the text is not an AWS error document (e.g. an HTML page from a proxy).
std::optional<AwsErrorDocument> parse_aws_error(std::string_view xml);

struct StsCredentials {
  std::string access_key_id, secret_access_key, session_token, expiration, assumed_role_arn;
};
// AssumeRoleResponse / AssumeRoleWithWebIdentityResponse.
StsCredentials parse_sts_credentials(std::string_view xml);

}  // namespace costbot::aws
