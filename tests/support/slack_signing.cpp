#include "tests/support/slack_signing.hpp"

#include <openssl/hmac.h>

#include <cstdio>

namespace costbot::testing {

std::string slack_signature(const std::string& secret, std::int64_t timestamp, const std::string& body) {
  std::string base = "v0:" + std::to_string(timestamp) + ":" + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(base.data()),
       base.size(), mac, &len);
  std::string hex = "v0=";
  char two[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(two, sizeof two, "%02x", mac[i]);
    hex += two;
  }
  return hex;
}

Headers slack_headers(const std::string& secret, std::int64_t timestamp, const std::string& body,
                      const std::string& content_type) {
  return {{"X-Slack-Request-Timestamp", std::to_string(timestamp)},
          {"X-Slack-Signature", slack_signature(secret, timestamp, body)},
          {"Content-Type", content_type}};
}

std::string url_encode(const std::string& text) {
  std::string out;
  char hex[4];
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';  // as browsers and Slack encode form bodies
    } else {
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string slash_command_body(const std::string& text, const std::string& response_url, const std::string& command,
                               const std::string& user_id) {
  return "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001"
         "&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=finops&user_id=" +
         url_encode(user_id) + "&user_name=alice&command=" + url_encode(command) + "&text=" + url_encode(text) +
         "&api_app_id=A123456&is_enterprise_install=false&response_url=" + url_encode(response_url) +
         "&trigger_id=13345224609.738474920.8088930838d88f008e0";
}

std::string interaction_body(const std::string& payload_json) { return "payload=" + url_encode(payload_json); }

}  // namespace costbot::testing
