#include "adapters/azure/blob_location.hpp"

#include <boost/url/parse.hpp>

#include "adapters/http/client.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {
namespace {

bool path_style_host(const std::string& host) {
  if (http::is_loopback_host(host)) return true;
  // An IP literal has no account label to read the account from.
  return !host.empty() && (host.front() == '[' || host.find_first_not_of("0123456789.") == std::string::npos);
}

}  // namespace

std::string BlobLocation::display() const {
  return service_url + "/" + container + (prefix.empty() ? "" : "/" + prefix);
}

BlobLocation parse_blob_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http"))
    throw invalid_input("\"" + std::string(url.substr(0, 200)) + "\" is not a Blob URL (https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH/)");
  std::string host(parsed->encoded_host());
  std::string authority = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host_and_port());
  std::vector<std::string> segments;
  for (auto s : parsed->segments()) segments.push_back(std::string(s));
  BlobLocation out;
  std::size_t first = 0;
  if (path_style_host(host)) {
    if (segments.empty() || segments[0].empty())
      throw invalid_input("the Blob URL " + authority + " has no account in its path (path-style: http://HOST:PORT/ACCOUNT/CONTAINER/PATH/)");
    out.account = segments[0];
    out.service_url = authority + "/" + out.account;
    first = 1;
  } else {
    auto dot = host.find('.');
    if (dot == std::string::npos || host.find(".blob.") == std::string::npos)
      throw invalid_input("the host " + host + " is not a Blob service host (ACCOUNT.blob.core.windows.net)");
    out.account = host.substr(0, dot);
    out.service_url = authority;
  }
  if (segments.size() <= first || segments[first].empty())
    throw invalid_input("the Blob URL " + std::string(url.substr(0, url.find('?'))) + " names no container (…/CONTAINER/PATH/)");
  out.container = segments[first];
  for (std::size_t i = first + 1; i < segments.size(); ++i) out.prefix += (i > first + 1 ? "/" : "") + segments[i];
  // A trailing slash (an empty last segment) keeps the prefix a folder.
  if (!out.prefix.empty() && parsed->encoded_path().ends_with("/") && !out.prefix.ends_with("/")) out.prefix += "/";
  if (parsed->has_query()) out.sas = std::string(parsed->encoded_query());
  return out;
}

StorageConnectionString parse_storage_connection_string(std::string_view text) {
  std::string protocol = "https", suffix = "core.windows.net";
  bool development = false;
  StorageConnectionString out;
  for (const auto& part : text::split(text, ';')) {
    auto item = text::trim(part);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) throw invalid_input("the storage connection string has a part without '=' (Name=value;...)");
    auto name = std::string(text::trim(item.substr(0, eq)));
    auto value = std::string(text::trim(item.substr(eq + 1)));
    if (text::iequals(name, "DefaultEndpointsProtocol")) protocol = value;
    else if (text::iequals(name, "AccountName")) out.account = value;
    else if (text::iequals(name, "AccountKey")) out.account_key = value;
    else if (text::iequals(name, "EndpointSuffix")) suffix = value;
    else if (text::iequals(name, "BlobEndpoint")) out.blob_endpoint = value;
    else if (text::iequals(name, "SharedAccessSignature")) out.sas = value.starts_with("?") ? value.substr(1) : value;
    else if (text::iequals(name, "UseDevelopmentStorage")) development = text::iequals(value, "true");
  }
  if (development) {
    if (out.account.empty()) out.account = kDevelopmentAccount;
    if (out.account_key.empty() && out.sas.empty()) out.account_key = kDevelopmentKey;
    if (out.blob_endpoint.empty()) out.blob_endpoint = "http://127.0.0.1:10000/" + out.account;
  }
  if (out.blob_endpoint.empty()) {
    if (out.account.empty()) throw invalid_input("the storage connection string has neither AccountName nor BlobEndpoint");
    out.blob_endpoint = protocol + "://" + out.account + ".blob." + suffix;
  }
  while (out.blob_endpoint.ends_with("/")) out.blob_endpoint.pop_back();
  if (out.account.empty()) out.account = parse_blob_url(out.blob_endpoint + "/x").account;
  if (out.account_key.empty() && out.sas.empty())
    throw invalid_input("the storage connection string has neither AccountKey nor SharedAccessSignature");
  return out;
}

}  // namespace costbot::azure
