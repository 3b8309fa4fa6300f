#include "tests/support/s3_emulator.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "adapters/http/client.hpp"
#include "tests/support/aws_fakes.hpp"

namespace costbot::testing {
namespace {

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
  const std::string tools = aws_test_tools_dir();
  install_aws_test_tools();
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
