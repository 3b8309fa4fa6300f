#pragma once
// Runs the real service in-process on a loopback port with a SQLite file in a temp dir, for
// integration tests that talk to it over sockets. Slack's Web API points at a FakeSlack; Jira, when
// configured (options.configure), at a FakeJira.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "bot/service/service.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/slack_signing.hpp"

namespace costbot::testing {

struct HarnessOptions {
  std::string database_path;
  bool slack = true;
  bool approvals = true;  // approvals_app::install: clicks decide requests, jira.* / detect.* effects
  // service::install_operations: scheduler, charts, web channel, REST API (off by default: the
  // scheduler's jobs would run beside tests that do not expect them).
  bool operations = false;
  std::string signing_secret = "test-signing-secret";
  std::string bot_token = "xoxb-test-token";
  std::string slack_api_url;  // the FakeSlack's api_url()
  std::int64_t ack_budget_ms = 2000;
  std::int64_t cache_ttl = 60;
  std::size_t body_limit = 64 << 10;
  std::chrono::milliseconds read_timeout{2000};
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds handler_timeout{5000};
  std::chrono::milliseconds outbox_poll{200};
  std::chrono::milliseconds http_request_timeout{3000};  // outbound calls (Slack, Jira fakes)
  std::chrono::seconds outbox_backoff_base{1};
  int outbox_max_attempts = 5;
  // true: no outbox thread; the test delivers what is due with deliver_due() (after moving the
  // clock on for retries), so nothing is waited for and nothing is polled.
  bool stepped_outbox = false;
  const Clock* clock = nullptr;
  std::string ca_file;  // extra CA for the outbound HTTPS client (a TLS fake's test CA)
  std::function<void(config::Config&)> configure;  // last word on the config
  std::function<void(service::Service&)> install;   // more parts, after Slack (e.g. alerts_app::install)
};

class ServiceHarness {
 public:
  explicit ServiceHarness(HarnessOptions options);
  ~ServiceHarness();

  service::Service& service() { return *service_; }
  void start();  // builds the service (with Slack installed when options.slack) and starts it
  void stop();
  unsigned short port() const { return service_->port(); }

  // A signed Slack request (timestamp = the clock's now unless given).
  TestResponse post_slack(const std::string& path, const std::string& body,
                          const std::string& content_type = "application/x-www-form-urlencoded",
                          std::optional<std::int64_t> timestamp = std::nullopt);
  TestResponse get(const std::string& path);
  // The test thread's own connection to the service's database.
  storage::Database& db();
  // Stepped outbox (options.stepped_outbox): delivers, on the test thread, every effect due at the
  // clock's now (and the follow-ups they queue); returns the number of delivery attempts made.
  std::size_t deliver_due();

  const HarnessOptions& options() const { return options_; }

 private:
  HarnessOptions options_;
  std::unique_ptr<service::Service> service_;
  std::unique_ptr<storage::Database> db_;
};

}  // namespace costbot::testing
