#include "adapters/aws/aws_xml.hpp"

#include <pugixml.hpp>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

pugi::xml_document parse_aws_document(std::string_view xml, const char* what) {
  pugi::xml_document doc;
  auto ok = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!ok) throw invalid_input(std::string(what) + " is not XML: " + ok.description());
  return doc;
}

// The first child named `name` whatever its namespace prefix.
pugi::xml_node aws_child(const pugi::xml_node& parent, const char* name) {
  for (auto child : parent.children()) {
    std::string_view n = child.name();
    auto colon = n.find(':');
    if ((colon == std::string_view::npos ? n : n.substr(colon + 1)) == name) return child;
  }
  return {};
}

std::string aws_text(const pugi::xml_node& parent, const char* name) {
  return aws_child(parent, name).text().as_string();
}

int aws_hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// encoding-type=url encodes keys as application/x-www-form-urlencoded ('+' for a space).
std::string aws_url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && aws_hex_digit(s[i + 1]) >= 0 && aws_hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(aws_hex_digit(s[i + 1]) * 16 + aws_hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::string unquote_etag(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

}  // namespace

ListPage parse_list_objects_v2(std::string_view xml, bool url_encoded) {
  auto doc = parse_aws_document(xml, "the S3 listing");
  auto root = aws_child(doc, "ListBucketResult");
  if (!root) throw invalid_input("the S3 listing has no ListBucketResult element");
  ListPage page;
  page.truncated = text::iequals(aws_text(root, "IsTruncated"), "true");
  page.next_token = aws_text(root, "NextContinuationToken");
  if (page.truncated && page.next_token.empty())
    throw invalid_input("the S3 listing says it is truncated but gives no NextContinuationToken");
  for (auto node : root.children()) {
    std::string_view name = node.name();
    if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    if (name == "Contents") {
      S3ObjectEntry e;
      e.key = aws_text(node, "Key");
      if (e.key.empty()) throw invalid_input("an object in the S3 listing has no Key");
      if (url_encoded) e.key = aws_url_decode(e.key);
      e.etag = unquote_etag(aws_text(node, "ETag"));
      e.last_modified = aws_text(node, "LastModified");
      auto size = text::parse_int(aws_text(node, "Size"));
      if (!size || *size < 0) throw invalid_input("object " + e.key + " in the S3 listing has no valid Size");
      e.size = *size;
      page.objects.push_back(std::move(e));
    } else if (name == "CommonPrefixes") {
      std::string prefix = aws_text(node, "Prefix");
      page.common_prefixes.push_back(url_encoded ? aws_url_decode(prefix) : prefix);
    }
  }
  return page;
}

std::optional<AwsErrorDocument> parse_aws_error(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  pugi::xml_node error = aws_child(doc, "Error");
  if (!error) {
    if (auto response = aws_child(doc, "ErrorResponse")) error = aws_child(response, "Error");
  }
  if (!error) return std::nullopt;
  AwsErrorDocument e;
  e.code = aws_text(error, "Code");
  e.message = aws_text(error, "Message");
  e.resource = aws_text(error, "Resource");
  if (e.resource.empty()) e.resource = aws_text(error, "BucketName");
  if (e.resource.empty()) e.resource = aws_text(error, "Key");
  e.request_id = aws_text(error, "RequestId");
  if (e.request_id.empty()) e.request_id = aws_text(doc.first_child(), "RequestId");
  e.region = aws_text(error, "Region");
  e.server_time = aws_text(error, "ServerTime");
  if (e.code.empty()) return std::nullopt;
  return e;
}

StsCredentials parse_sts_credentials(std::string_view xml) {
  auto doc = parse_aws_document(xml, "the STS answer");
  auto response = doc.first_child();
  pugi::xml_node result;
  for (const char* name : {"AssumeRoleResult", "AssumeRoleWithWebIdentityResult"})
    if (!result) result = aws_child(response, name);
  if (!result) throw invalid_input("the STS answer has no AssumeRoleResult");
  auto creds = aws_child(result, "Credentials");
  StsCredentials out;
  out.access_key_id = aws_text(creds, "AccessKeyId");
  out.secret_access_key = aws_text(creds, "SecretAccessKey");
  out.session_token = aws_text(creds, "SessionToken");
  out.expiration = aws_text(creds, "Expiration");
  out.assumed_role_arn = aws_text(aws_child(result, "AssumedRoleUser"), "Arn");
  if (out.access_key_id.empty() || out.secret_access_key.empty() || out.session_token.empty())
    throw invalid_input("the STS answer lacks AccessKeyId, SecretAccessKey or SessionToken");
  return out;
}

}  // namespace costbot::aws
