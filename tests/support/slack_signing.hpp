#pragma once
// Signs requests exactly as Slack does (v0: hex HMAC-SHA256 of "v0:{ts}:{body}" with the signing
// secret, sent with the timestamp). Written with OpenSSL directly, apart from the code under test.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace costbot::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string slack_signature(const std::string& secret, std::int64_t timestamp, const std::string& body);
// X-Slack-Request-Timestamp, X-Slack-Signature and Content-Type.
Headers slack_headers(const std::string& secret, std::int64_t timestamp, const std::string& body,
                      const std::string& content_type = "application/x-www-form-urlencoded");

// A slash command body as Slack sends it (every field Slack sends, form-encoded).
std::string slash_command_body(const std::string& text, const std::string& response_url = "",
                               const std::string& command = "/cost", const std::string& user_id = "U2147483697");
// payload=<url-encoded JSON>
std::string interaction_body(const std::string& payload_json);
std::string url_encode(const std::string& text);

}  // namespace costbot::testing
