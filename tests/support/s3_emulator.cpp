#include "tests/support/s3_emulator.hpp"

#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "adapters/http/client.hpp"

namespace costbot::testing {
namespace {

// npm ci in tests/aws once (several test processes may start at once: a lock file serializes them).
void install_aws_test_tools(const std::string& dir) {
  // npm ci creates node_modules/s3rver long before it is complete, so "installed" is a marker
  // written after a successful install, checked under the lock (parallel test processes wait for
  // the one installing instead of starting s3rver from a half-written tree).
  const std::string marker = dir + "/node_modules/.costbot-installed";
  if (std::filesystem::exists(marker)) return;
  int lock = ::open((dir + "/.npm-install.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  if (!std::filesystem::exists(marker)) {
    std::string command = "cd '" + dir + "' && npm ci --no-audit --no-fund --loglevel=error >&2 && touch node_modules/.costbot-installed";
    if (std::system(command.c_str()) != 0) {
      if (lock >= 0) ::close(lock);
      throw std::runtime_error("npm ci in " + dir + " failed (node and npm are installed by deploy/install-deps.sh)");
    }
  }
  if (lock >= 0) ::close(lock);
}

http::Client& seeding_client() {
  static http::Client client([] {
    http::ClientOptions o;
    o.proxy = http::ProxySettings{};  // loopback only, never through a proxy from the environment
    return o;
  }());
  return client;
}

}  // namespace

S3Emulator::S3Emulator(std::string bucket, std::string access_key_id, std::string secret, std::string region)
    : bucket_(std::move(bucket)), access_key_id_(std::move(access_key_id)), secret_(std::move(secret)),
      region_(std::move(region)) {
  const std::string tools = std::string(COSTBOT_SOURCE_DIR) + "/tests/aws";
  install_aws_test_tools(tools);
  std::filesystem::create_directories(dir_.path() / "data");
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"node", tools + "/s3_verifying_proxy.mjs", "--dir", dir_.file("data"), "--bucket", bucket_,
                               "--key", access_key_id_ + ":" + secret_, "--region", region_},
      // s3rver 3.7 signs continuation tokens with DES, which OpenSSL 3 only has in its legacy provider.
      std::vector<std::string>{"NODE_OPTIONS=--openssl-legacy-provider", "PATH=" + std::string(std::getenv("PATH"))},
      dir_.file("emulator.log"));
  if (!process_->wait_for_output("\"proxy\":", std::chrono::seconds(60)))
    throw std::runtime_error("the S3 emulator did not start: " + process_->output());
  auto out = process_->output();
  auto start = out.find('{');
  auto ports = boost::json::parse(out.substr(start, out.find('}', start) - start + 1)).as_object();
  proxy_port_ = static_cast<unsigned short>(ports.at("proxy").as_int64());
  s3rver_port_ = static_cast<unsigned short>(ports.at("s3rver").as_int64());
}

S3Emulator::~S3Emulator() = default;

std::string S3Emulator::endpoint() const { return "http://127.0.0.1:" + std::to_string(proxy_port_); }
std::string S3Emulator::s3rver_endpoint() const { return "http://127.0.0.1:" + std::to_string(s3rver_port_); }

void S3Emulator::put(const std::string& key, const std::string& bytes) {
  http::Request req;
  req.method = "PUT";
  req.url = s3rver_endpoint() + "/" + bucket_ + "/" + key;
  req.body = bytes;
  req.content_type = "application/octet-stream";
  auto r = seeding_client().send(std::move(req));
  if (!r.ok()) throw std::runtime_error("seeding " + key + " into s3rver: HTTP " + std::to_string(r.status) + " " + r.body);
}

void S3Emulator::remove(const std::string& key) {
  http::Request req;
  req.method = "DELETE";
  req.url = s3rver_endpoint() + "/" + bucket_ + "/" + key;
  auto r = seeding_client().send(std::move(req));
  if (!r.ok()) throw std::runtime_error("deleting " + key + " from s3rver: HTTP " + std::to_string(r.status));
}

void S3Emulator::faults(const std::string& json) {
  auto r = seeding_client().send(http::Request::post_json(endpoint() + "/__faults", json));
  if (r.status != 204) throw std::runtime_error("setting emulator faults: HTTP " + std::to_string(r.status));
}

std::string S3Emulator::stats() { return seeding_client().send(http::Request::get(endpoint() + "/__stats")).body; }

}  // namespace costbot::testing
