#include "tests/support/azurite.hpp"

#include <boost/json.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "adapters/azure/blob_client.hpp"
#include "adapters/azure/blob_location.hpp"
#include "adapters/azure/shared_key.hpp"
#include "adapters/http/retry_after.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/time.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {
namespace fs = std::filesystem;

struct Azurite::Impl {
  std::string url;  // http://127.0.0.1:PORT
  std::unique_ptr<TempDir> own_dir;
  std::unique_ptr<ChildProcess> own_process;
  http::Client client;
};

namespace {

// The URL the ctest fixture recorded, when its Azurite is still there.
std::string fixture_url() {
  auto state = build_path("cloud-emulators/emulators.json");
  std::ifstream in(state);
  if (!in) return {};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  auto* azurite = v.as_object().if_contains("azurite");
  if (!azurite || !azurite->is_object()) return {};
  auto* pid = azurite->as_object().if_contains("pid");
  auto* url = azurite->as_object().if_contains("url");
  if (!pid || !url || !pid->is_int64() || !url->is_string()) return {};
  if (::kill(static_cast<pid_t>(pid->as_int64()), 0) != 0) return {};
  return std::string(url->as_string());
}

}  // namespace

Azurite& Azurite::shared() {
  static Azurite instance;
  return instance;
}

Azurite::Azurite() : impl_(std::make_unique<Impl>()) {
  impl_->url = fixture_url();
  if (!impl_->url.empty()) return;
  // Run by hand (not under ctest): install the emulators and start our own Azurite.
  auto install = run({"python3", source_path("tests/scripts/cloud_emulators.py"), "install", "--repo", source_path(".")});
  if (install.exit_code != 0) throw std::runtime_error("cannot install the npm emulators: " + install.out + install.err);
  impl_->own_dir = std::make_unique<TempDir>();
  impl_->own_process = std::make_unique<ChildProcess>(
      std::vector<std::string>{source_path("tests/emulators/node_modules/.bin/azurite-blob"), "--blobHost", "127.0.0.1",
                               "--blobPort", "0", "--location", impl_->own_dir->file("data"), "--silent",
                               "--disableTelemetry"},
      std::vector<std::string>{}, impl_->own_dir->file("azurite.log"));
  if (!impl_->own_process->wait_for_output("listens on", std::chrono::seconds(180)))
    throw std::runtime_error("Azurite did not start: " + impl_->own_process->output());
  std::smatch m;
  auto log = impl_->own_process->output();
  if (!std::regex_search(log, m, std::regex(R"(listens on (http://127\.0\.0\.1:\d+))")))
    throw std::runtime_error("Azurite's listen line has no URL: " + log);
  impl_->url = m[1];
}

Azurite::~Azurite() = default;

std::string Azurite::blob_endpoint() const { return impl_->url + "/" + azure::kDevelopmentAccount; }
std::string Azurite::account() const { return azure::kDevelopmentAccount; }
std::string Azurite::key() const { return azure::kDevelopmentKey; }
std::string Azurite::new_container() { return "t" + hash::random_hex(8); }

void Azurite::request(const std::string& method, const std::string& container, const std::string& blob,
                      const std::string& query, const std::string& body, const std::string& what) {
  std::string path = "/" + account() + "/" + container + (blob.empty() ? "" : "/" + azure::encode_blob_path(blob));
  http::Request r;
  r.method = method;
  r.url = impl_->url + path + (query.empty() ? "" : "?" + query);
  r.body = body;
  if (method == "PUT") r.content_type = "application/octet-stream";
  r.header("x-ms-date", http::format_http_date(SystemClock().now()));
  r.header("x-ms-version", azure::kStorageApiVersion);
  if (method == "PUT" && !blob.empty()) r.header("x-ms-blob-type", "BlockBlob");
  azure::SignedRequest s;
  s.method = method;
  s.path = path;
  if (!query.empty()) {
    auto eq = query.find('=');
    s.query.emplace_back(query.substr(0, eq), query.substr(eq + 1));
  }
  s.headers = r.headers;
  s.headers.emplace_back("Content-Length", std::to_string(body.size()));
  if (!r.content_type.empty()) s.headers.emplace_back("Content-Type", r.content_type);
  r.header("Authorization", azure::shared_key_authorization(account(), key(), s));
  auto response = impl_->client.send(std::move(r));
  if (!response.ok()) throw std::runtime_error("Azurite " + what + ": HTTP " + std::to_string(response.status) + " " + response.body);
}

void Azurite::create_container(const std::string& container) {
  request("PUT", container, "", "restype=container", "", "create container " + container);
}

void Azurite::put_blob(const std::string& container, const std::string& name, const std::string& bytes) {
  request("PUT", container, name, "", bytes, "put " + container + "/" + name);
}

void Azurite::delete_blob(const std::string& container, const std::string& name) {
  request("DELETE", container, name, "", "", "delete " + container + "/" + name);
}

}  // namespace costbot::testing
