#include "adapters/aws/s3_client.hpp"

#include "adapters/aws/aws_errors.hpp"
#include "adapters/aws/sigv4.hpp"
#include "adapters/http/client.hpp"
#include "adapters/http/url.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

const std::string kEmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool s3_host_is_ip_or_local(const std::string& host) {
  if (http::is_loopback_host(host)) return true;
  return !host.empty() && (host.find(':') != std::string::npos ||
                           host.find_first_not_of("0123456789.") == std::string::npos);
}

std::string s3_object_url(const std::string& bucket, const std::string& key) { return "s3://" + bucket + "/" + key; }

}  // namespace

std::pair<std::string, std::string> split_s3_url(const std::string& url) {
  if (!url.starts_with("s3://")) throw invalid_input("not an s3:// URL: \"" + url + "\"");
  std::string rest = url.substr(5);
  auto slash = rest.find('/');
  std::string bucket = rest.substr(0, slash);
  if (bucket.empty()) throw invalid_input("no bucket in \"" + url + "\" (expected s3://BUCKET/PREFIX/)");
  return {bucket, slash == std::string::npos ? std::string() : rest.substr(slash + 1)};
}

S3Client::S3Client(http::Client& client, std::shared_ptr<CredentialProvider> credentials, const Clock& clock,
                   S3Settings settings)
    : client_(client), credentials_(std::move(credentials)), clock_(clock), settings_(std::move(settings)) {}

S3Client::Target S3Client::target(const std::string& bucket, const std::string& key, const std::string& query) const {
  Target t;
  std::string scheme = "https", host, port;
  std::string base_path;
  if (settings_.endpoint.empty()) {
    host = "s3." + settings_.region + ".amazonaws.com";
  } else {
    auto url = http::parse_url(settings_.endpoint);
    scheme = url.scheme;
    host = url.host;
    port = ((url.tls() && url.port == "443") || (!url.tls() && url.port == "80")) ? "" : url.port;
    base_path = url.target == "/" ? "" : url.target;
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  }
  bool path_style = settings_.force_path_style || s3_host_is_ip_or_local(host) ||
                    (scheme == "https" && bucket.find('.') != std::string::npos);
  std::string authority = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + (port.empty() ? "" : ":" + port);
  if (path_style) {
    t.host = authority;
    t.path = base_path + "/" + uri_encode(bucket, false) + (key.empty() && query.empty() ? "" : s3_key_path(key));
    if (key.empty()) t.path = base_path + "/" + uri_encode(bucket, false) + "/";
  } else {
    t.host = bucket + "." + authority;
    t.path = base_path + s3_key_path(key);
  }
  t.query = query;
  t.url = scheme + "://" + t.host + t.path + (query.empty() ? "" : "?" + query);
  return t;
}

http::Request S3Client::signed_request(const Target& t, std::vector<std::pair<std::string, std::string>> headers) {
  SigningRequest sr{"GET", t.host, t.path, t.query, headers, kEmptyPayloadHash};
  SigningOptions o;
  o.region = settings_.region;
  o.service = "s3";
  o.time = clock_.now();
  o.style = Style::s3;
  auto creds = credentials_->get();
  http::Request req = http::Request::get(t.url);
  req.headers = std::move(headers);
  for (auto& h : sign(sr, creds, o).headers) req.headers.push_back(std::move(h));
  ++requests_;
  return req;
}

ListPage S3Client::list_page(const std::string& bucket, const std::string& prefix, const std::string& token) {
  // Query parameters in the order they are signed (sorted), encoded as SigV4 encodes them.
  std::string query;
  if (!token.empty()) query += "continuation-token=" + uri_encode(token, false) + "&";
  query += "encoding-type=url&list-type=2&max-keys=" + std::to_string(settings_.max_keys) +
           "&prefix=" + uri_encode(prefix, false);
  AwsCallContext context{"list s3://" + bucket + "/" + prefix, "s3:ListBucket", "arn:aws:s3:::" + bucket};
  for (int attempt = 0;; ++attempt) {
    auto r = client_.send(signed_request(target(bucket, "", query), {}));
    if (r.ok()) {
      try {
        return parse_list_objects_v2(r.body, true);
      } catch (const Error& e) {
        throw http::RemoteError(ErrorKind::unavailable, context.what + ": " + e.what(), true);
      }
    }
    auto error = explain_aws_failure(r.status, r.body, std::string(r.header("x-amz-error-code").value_or("")), context);
    if (error.code().starts_with("ExpiredToken") && attempt == 0) {
      credentials_->invalidate();  // temporary credentials ran out mid-run: fetch new ones, once
      continue;
    }
    throw error;
  }
}

std::vector<S3ObjectEntry> S3Client::list_all(const std::string& bucket, const std::string& prefix) {
  std::vector<S3ObjectEntry> all;
  std::string token;
  for (int page_no = 1;; ++page_no) {
    auto page = list_page(bucket, prefix, token);
    for (auto& o : page.objects) all.push_back(std::move(o));
    if (!page.truncated) return all;
    if (page.next_token == token)
      throw http::RemoteError(ErrorKind::unavailable, "list s3://" + bucket + "/" + prefix + ": the listing repeats its continuation token", true);
    token = page.next_token;
    if (page_no > 100000) throw http::RemoteError(ErrorKind::unavailable, "list s3://" + bucket + "/" + prefix + ": too many pages", false);
  }
}

std::unique_ptr<http::BodyStream> S3Client::get_stream(const std::string& bucket, const std::string& key,
                                                       std::uint64_t offset, const std::string& etag) {
  AwsCallContext context{"GET " + s3_object_url(bucket, key), "s3:GetObject", "arn:aws:s3:::" + bucket + "/" + key};
  for (int attempt = 0;; ++attempt) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (offset > 0) headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-");
    if (!etag.empty()) headers.emplace_back("If-Match", "\"" + etag + "\"");
    auto stream = client_.open(signed_request(target(bucket, key, ""), std::move(headers)));
    if (stream->status() == 200 || stream->status() == 206) {
      if (offset > 0 && stream->status() != 206)
        throw http::RemoteError(ErrorKind::unavailable, context.what + ": the server ignored the Range request", true);
      return stream;
    }
    auto body = stream->read_all(64 << 10);
    auto error = explain_aws_failure(stream->status(), body, std::string(stream->header("x-amz-error-code").value_or("")), context);
    if (error.code().starts_with("ExpiredToken") && attempt == 0) {
      credentials_->invalidate();
      continue;
    }
    throw error;
  }
}

std::string S3Client::get_text(const std::string& bucket, const std::string& key, std::size_t max_bytes) {
  auto stream = get_stream(bucket, key, 0, "");
  auto text = stream->read_all(max_bytes + 1);
  if (text.size() > max_bytes)
    throw http::RemoteError(ErrorKind::invalid_input, "GET " + s3_object_url(bucket, key) + ": larger than " +
                                                          std::to_string(max_bytes) + " bytes", false);
  return text;
}

}  // namespace costbot::aws
