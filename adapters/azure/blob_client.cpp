#include "adapters/azure/blob_client.hpp"

#include <pugixml.hpp>
#include <spdlog/spdlog.h>

#include "adapters/azure/shared_key.hpp"
#include "adapters/http/form.hpp"
#include "adapters/http/retry_after.hpp"
#include "adapters/http/url.hpp"
#include "adapters/identity/entra.hpp"
#include "engine/util/error.hpp"
#include "engine/util/percent.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {
namespace {

struct ServiceError {
  std::string code, message;
};

ServiceError service_error_of(const http::Response& r) {
  ServiceError e;
  if (auto h = r.header("x-ms-error-code")) e.code = std::string(*h);
  pugi::xml_document doc;
  if (!r.body.empty() && doc.load_buffer(r.body.data(), r.body.size())) {
    auto error = doc.child("Error");
    if (e.code.empty()) e.code = error.child_value("Code");
    e.message = error.child_value("Message");
  }
  if (auto nl = e.message.find_first_of("\r\n"); nl != std::string::npos) e.message.resize(nl);
  if (e.message.size() > 240) e.message = e.message.substr(0, 240) + "...";
  return e;
}

std::string explain(const ServiceError& e, BlobAuthKind auth, const std::string& account, int status) {
  auto msg = text::to_lower(e.message);
  bool clock = msg.find("date header too old") != std::string::npos || msg.find("time frame") != std::string::npos ||
               msg.find("request time") != std::string::npos || msg.find("clock") != std::string::npos;
  if (e.code == "AuthenticationFailed" || (e.code == "AuthorizationFailure" && auth == BlobAuthKind::shared_key)) {
    if (clock && auth != BlobAuthKind::sas) return "this machine's clock is off (clock skew: x-ms-date must be within 15 minutes of the service's time)";
    if (auth == BlobAuthKind::shared_key)
      return "the account key of " + account + " is wrong (the service could not verify the Shared Key signature); copy key1 or key2 from the storage account's Access keys";
    if (auth == BlobAuthKind::sas) return "the SAS token is invalid or expired (check its se= expiry and sig)";
    return "the credentials were refused";
  }
  if (e.code == "AuthorizationPermissionMismatch" || e.code == "AuthorizationFailure") {
    if (auth == BlobAuthKind::bearer)
      return "the identity has no data-plane permission on " + account +
             ": grant it the role Storage Blob Data Reader on the storage account or container (Reader or Owner alone "
             "cannot read blobs)" + (e.code == "AuthorizationFailure" ? ", or the account's firewall blocks this address" : "");
    if (auth == BlobAuthKind::sas) return "the SAS token does not allow this: it needs read (r) and list (l) permission on the container";
    return "access denied";
  }
  if (e.code == "NoAuthenticationInformation" || (status == 404 && auth == BlobAuthKind::anonymous && e.code == "ResourceNotFound"))
    return "no credentials were given and the container is not public: set an account key, a SAS or Entra credentials";
  if (e.code == "InvalidAuthenticationInfo") return "the bearer token was refused (expired, or issued for another audience)";
  if (e.code == "ContainerNotFound") return "the container does not exist in storage account " + account;
  if (e.code == "BlobNotFound") return "the blob does not exist";
  if (e.code == "ResourceNotFound") return "not found (check the storage account and container names)";
  if (e.code == "ConditionNotMet")
    return "the blob changed while it was being read (the export was rewritten during this run); the next run reads it again";
  if (e.code == "InvalidHeaderValue" || e.code == "InvalidQueryParameterValue") return "the service refused a request header or parameter";
  if (e.code == "AccountIsDisabled") return "the storage account is disabled";
  return "";
}

http::RemoteError blob_error(const http::Response& r, const std::string& what, BlobAuthKind auth, const std::string& account) {
  auto e = service_error_of(r);
  std::string message = what + ": HTTP " + std::to_string(r.status) + (e.code.empty() ? "" : " " + e.code);
  auto words = explain(e, auth, account, r.status);
  if (!words.empty()) message += ": " + words;
  if (!e.message.empty()) message += " [" + e.message + "]";
  if (r.status == 429 || r.status >= 500 || r.status == 412 || r.status == 408)
    return http::RemoteError(r.status == 429 ? ErrorKind::too_many_requests : ErrorKind::unavailable, message, true,
                             r.retry_after, e.code);
  ErrorKind kind = r.status == 401 ? ErrorKind::unauthorized
                   : r.status == 403 ? ErrorKind::forbidden
                   : r.status == 404 ? ErrorKind::not_found
                                     : ErrorKind::invalid_input;
  return http::RemoteError(kind, message, false, std::nullopt, e.code);
}

std::string service_path_of(const std::string& service_url) {
  auto url = http::parse_url(service_url);
  auto path = url.target.substr(0, url.target.find('?'));
  while (path.ends_with("/")) path.pop_back();
  return path;
}

// "bytes 0-99/1234" → 1234.
std::int64_t total_from_content_range(std::string_view v) {
  auto slash = v.rfind('/');
  if (slash == std::string_view::npos) return -1;
  return text::parse_int(v.substr(slash + 1)).value_or(-1);
}

}  // namespace

std::string_view name_of(BlobAuthKind kind) {
  switch (kind) {
    case BlobAuthKind::shared_key: return "Shared Key";
    case BlobAuthKind::sas: return "SAS";
    case BlobAuthKind::bearer: return "Entra bearer token";
    case BlobAuthKind::anonymous: return "anonymous";
  }
  return "anonymous";
}

std::string encode_blob_path(std::string_view name) { return http::percent_encode(name, true); }

BlobPage parse_blob_listing(std::string_view xml) {
  pugi::xml_document doc;
  auto result = doc.load_buffer(xml.data(), xml.size());
  if (!result) throw invalid_input(std::string("the List Blobs answer is not XML (") + result.description() + ")");
  auto root = doc.child("EnumerationResults");
  if (!root) throw invalid_input("the List Blobs answer has no EnumerationResults element");
  BlobPage page;
  for (auto blob : root.child("Blobs").children("Blob")) {
    BlobItem item;
    auto name = blob.child("Name");
    item.name = name.child_value();
    if (text::iequals(name.attribute("Encoded").value(), "true")) item.name = text::percent_decode_lenient(item.name);
    if (item.name.empty()) throw invalid_input("the List Blobs answer has a Blob without a Name");
    auto props = blob.child("Properties");
    item.etag = props.child_value("Etag");
    item.size = text::parse_int(props.child_value("Content-Length")).value_or(0);
    item.last_modified = http::parse_http_date(props.child_value("Last-Modified")).value_or(0);
    page.blobs.push_back(std::move(item));
  }
  page.next_marker = root.child_value("NextMarker");
  return page;
}

BlobClient::BlobClient(http::Client& client, std::string service_url, std::string account, BlobAuth auth, const Clock& clock)
    : client_(client), service_url_(std::move(service_url)), account_(std::move(account)), auth_(std::move(auth)), clock_(clock) {
  while (service_url_.ends_with("/")) service_url_.pop_back();
  service_path_ = service_path_of(service_url_);
}

std::string BlobClient::url_of(const std::string& container, const std::string& blob) const {
  return service_url_ + "/" + container + (blob.empty() ? "" : "/" + blob);
}

http::Response BlobClient::call(const std::string& container, const std::string& blob,
                                std::vector<std::pair<std::string, std::string>> query,
                                std::vector<std::pair<std::string, std::string>> headers, const std::string& what) {
  std::string path = service_path_ + "/" + http::percent_encode(container, false) + (blob.empty() ? "" : "/" + encode_blob_path(blob));
  std::string query_text;
  for (const auto& [k, v] : query) query_text += (query_text.empty() ? "" : "&") + http::percent_encode(k, false) + "=" + http::percent_encode(v, false);
  if (auth_.kind == BlobAuthKind::sas && !auth_.sas.empty()) query_text += (query_text.empty() ? "" : "&") + auth_.sas;
  auto url = http::parse_url(service_url_);
  std::string full = url.scheme + "://" + url.host + (url.port == (url.tls() ? "443" : "80") ? "" : ":" + url.port) + path +
                     (query_text.empty() ? "" : "?" + query_text);

  for (int attempt = 0;; ++attempt) {
    http::Request request = http::Request::get(full);
    for (const auto& h : headers) request.header(h.first, h.second);
    request.header("x-ms-date", http::format_http_date(clock_.now()));
    request.header("x-ms-version", kStorageApiVersion);
    if (auth_.kind == BlobAuthKind::shared_key) {
      SignedRequest signed_request{"GET", path, query, request.headers};
      request.header("Authorization", shared_key_authorization(account_, auth_.account_key, signed_request));
    } else if (auth_.kind == BlobAuthKind::bearer) {
      if (!auth_.entra) throw invalid_input("no Entra credential for bearer access to " + account_);
      request.header("Authorization", "Bearer " + auth_.entra->token(kStorageScope));
    }
    ++requests_;
    auto response = client_.send(std::move(request));
    if (response.ok()) return response;
    if (response.status == 401 && auth_.kind == BlobAuthKind::bearer && attempt == 0) {
      auth_.entra->invalidate(kStorageScope);  // revoked or rotated early: one more try with a new token
      continue;
    }
    throw blob_error(response, what, auth_.kind, account_);
  }
}

BlobPage BlobClient::list_page(const std::string& container, const std::string& prefix, const std::string& marker,
                               int max_results) {
  std::vector<std::pair<std::string, std::string>> query{{"restype", "container"}, {"comp", "list"}};
  if (!prefix.empty()) query.emplace_back("prefix", prefix);
  query.emplace_back("maxresults", std::to_string(max_results));
  if (!marker.empty()) query.emplace_back("marker", marker);
  auto what = "list " + url_of(container, prefix) + " (" + std::string(name_of(auth_.kind)) + ")";
  auto response = call(container, "", std::move(query), {}, what);
  try {
    return parse_blob_listing(response.body);
  } catch (const Error& e) {
    throw invalid_input(what + ": " + e.what());
  }
}

std::vector<BlobItem> BlobClient::list_all(const std::string& container, const std::string& prefix) {
  std::vector<BlobItem> all;
  std::string marker;
  do {
    auto page = list_page(container, prefix, marker);
    for (auto& b : page.blobs) all.push_back(std::move(b));
    if (!page.next_marker.empty() && page.next_marker == marker)
      throw http::RemoteError(ErrorKind::unavailable, "list " + url_of(container, prefix) + ": the service repeated the marker", true);
    marker = page.next_marker;
  } while (!marker.empty());
  return all;
}

BlobChunk BlobClient::read_range(const std::string& container, const std::string& blob, std::uint64_t offset,
                                 std::uint64_t length, const std::string& etag) {
  std::vector<std::pair<std::string, std::string>> headers{
      {"x-ms-range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
  if (!etag.empty()) headers.emplace_back("If-Match", etag);
  auto response = call(container, blob, {}, std::move(headers), "read " + url_of(container, blob));
  BlobChunk chunk;
  chunk.bytes = std::move(response.body);
  chunk.etag = std::string(response.header("etag").value_or(""));
  if (auto range = response.header("content-range")) chunk.total_size = total_from_content_range(*range);
  else if (response.status == 200) chunk.total_size = static_cast<std::int64_t>(chunk.bytes.size());
  return chunk;
}

BlobChunk BlobClient::read_all(const std::string& container, const std::string& blob, std::size_t max_bytes) {
  auto response = call(container, blob, {}, {}, "read " + url_of(container, blob));
  if (response.body.size() > max_bytes)
    throw invalid_input("read " + url_of(container, blob) + ": larger than " + std::to_string(max_bytes) + " bytes");
  BlobChunk chunk;
  chunk.bytes = std::move(response.body);
  chunk.etag = std::string(response.header("etag").value_or(""));
  chunk.total_size = static_cast<std::int64_t>(chunk.bytes.size());
  return chunk;
}

}  // namespace costbot::azure
