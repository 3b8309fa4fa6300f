#include "tests/support/aws_fakes.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "adapters/http/client.hpp"

extern char** environ;

namespace costbot::testing {
namespace {

// Loopback only, never through a proxy the environment names.
http::Client& aws_fakes_control_client() {
  static http::Client client([] {
    http::ClientOptions o;
    o.proxy = http::ProxySettings{};
    return o;
  }());
  return client;
}

}  // namespace

std::string aws_test_tools_dir() { return std::string(COSTBOT_SOURCE_DIR) + "/tests/aws"; }

void install_aws_test_tools() {
  const std::string dir = aws_test_tools_dir();
  // npm ci creates node_modules/s3rver long before it is complete, so "installed" is a marker
  // written after a successful install, checked under the lock (parallel test processes wait for
  // the one installing instead of starting s3rver from a half-written tree).
  const std::string marker = dir + "/node_modules/.costbot-installed";
  if (std::filesystem::exists(marker)) return;
  int lock = ::open((dir + "/.npm-install.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  if (!std::filesystem::exists(marker)) {
    std::string command =
        "cd '" + dir + "' && npm ci --no-audit --no-fund --loglevel=error >&2 && touch node_modules/.costbot-installed";
    if (std::system(command.c_str()) != 0) {
      if (lock >= 0) ::close(lock);
      throw std::runtime_error("npm ci in " + dir + " failed (node and npm are installed by deploy/install-deps.sh)");
    }
  }
  if (lock >= 0) ::close(lock);
}

AwsServiceFakes::AwsServiceFakes(std::vector<AwsTestKey> keys) {
  install_aws_test_tools();
  std::vector<std::string> argv = {"node", aws_test_tools_dir() + "/aws_service_fakes.mjs"};
  for (const auto& k : keys) {
    argv.push_back("--key");
    argv.push_back(k.access_key_id + ":" + k.secret + ":" + k.principal_arn);
  }
  process_ = std::make_unique<ChildProcess>(argv, std::vector<std::string>{"PATH=" + std::string(std::getenv("PATH"))},
                                            dir_.file("fakes.log"));
  if (!process_->wait_for_output("\"port\":", std::chrono::seconds(60)))
    throw std::runtime_error("the AWS service fakes did not start: " + process_->output());
  auto out = process_->output();
  auto start = out.find('{');
  auto parsed = boost::json::parse(out.substr(start, out.find('}', start) - start + 1)).as_object();
  port_ = static_cast<unsigned short>(parsed.at("port").as_int64());
}

AwsServiceFakes::~AwsServiceFakes() = default;

std::string AwsServiceFakes::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void AwsServiceFakes::configure(const std::string& json) {
  auto r = aws_fakes_control_client().send(http::Request::post_json(endpoint() + "/__config", json));
  if (r.status != 204) throw std::runtime_error("configuring the AWS fakes: HTTP " + std::to_string(r.status) + " " + r.body);
}

void AwsServiceFakes::expire_sessions() {
  auto r = aws_fakes_control_client().send(http::Request::post_json(endpoint() + "/__expire", "{}"));
  if (r.status != 204) throw std::runtime_error("expiring the fakes' sessions: HTTP " + std::to_string(r.status));
}

boost::json::object AwsServiceFakes::stats() {
  auto r = aws_fakes_control_client().send(http::Request::get(endpoint() + "/__stats"));
  return boost::json::parse(r.body).as_object();
}

ScopedEnv::~ScopedEnv() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
    else ::unsetenv(it->first.c_str());
  }
}

void ScopedEnv::set(const std::string& name, const char* value) {
  const char* old = std::getenv(name.c_str());
  saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  if (value) ::setenv(name.c_str(), value, 1);
  else ::unsetenv(name.c_str());
}

void ScopedEnv::isolate_aws(const std::string& home) {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    if (entry.starts_with("AWS_")) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& n : names) set(n, nullptr);
  set("HOME", home);
  set("AWS_EC2_METADATA_DISABLED", "true");  // a test that wants IMDS points it at its fake
}

}  // namespace costbot::testing
