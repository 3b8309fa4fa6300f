#include "tests/support/service_harness.hpp"

#include "bot/alerts/subscription_commands.hpp"
#include "bot/approvals/approvals_app.hpp"
#include "bot/service/operations.hpp"
#include "bot/slack/slack_app.hpp"
#include "bot/teams/teams_app.hpp"
#include "engine/util/error.hpp"

namespace costbot::testing {

ServiceHarness::ServiceHarness(HarnessOptions options) : options_(std::move(options)) {}

ServiceHarness::~ServiceHarness() { stop(); }

void ServiceHarness::start() {
  config::Config config;
  config.database.path = options_.database_path;
  config.server.shutdown_grace = 5;
  config.commands.cache_ttl = options_.cache_ttl;
  if (options_.slack) {
    config.slack.signing_secret = config::Secret(options_.signing_secret, "test");
    config.slack.bot_token = config::Secret(options_.bot_token, "test");
    config.slack.api_url = options_.slack_api_url.empty() ? "http://127.0.0.1:9/api" : options_.slack_api_url;
    config.slack.ack_budget_ms = options_.ack_budget_ms;
  }
  if (options_.configure) options_.configure(config);

  service::ServiceOptions so;
  so.clock = options_.clock;
  so.templates_root = std::string(COSTBOT_SOURCE_DIR) + "/templates";
  server::ServerOptions server;
  server.host = "127.0.0.1";
  server.port = 0;
  server.body_limit = options_.body_limit;
  server.read_timeout = options_.read_timeout;
  server.idle_timeout = options_.idle_timeout;
  server.handler_timeout = options_.handler_timeout;
  server.threads = 2;
  server.access_log = false;
  // What the tests configure about who the client is and how it connects (issue 15).
  server.trusted_proxies = config.server.trusted_proxies;
  server.max_connections_per_client = static_cast<std::size_t>(config.server.max_connections_per_client);
  server.tls_cert_file = config.server.tls_cert_file;
  server.tls_key_file = config.server.tls_key_file;
  server.hsts_max_age = config.server.hsts_max_age;
  so.server = server;
  outbox::WorkerOptions worker;
  worker.poll_interval = options_.outbox_poll;
  worker.backoff_base = options_.outbox_backoff_base;
  worker.max_attempts = options_.outbox_max_attempts;
  worker.background_thread = !options_.stepped_outbox;
  so.outbox = worker;
  http::ClientOptions client;
  client.connect_timeout = std::chrono::seconds(2);
  client.request_timeout = options_.http_request_timeout;
  client.max_attempts = 2;
  client.retry_base_delay = std::chrono::milliseconds(20);
  client.max_retry_wait = std::chrono::milliseconds(0);  // hand every Retry-After to the outbox
  client.ca_file = options_.ca_file;
  so.http_client = client;

  service_ = std::make_unique<service::Service>(std::move(config), so);
  slack_app::install(*service_);  // without a signing secret its routes answer 503
  if (options_.approvals) approvals_app::install(*service_, std::string(COSTBOT_SOURCE_DIR) + "/templates");
  teams_app::install(*service_);  // without msteams.app_id / a webhook secret its routes answer 503
  // serve installs them with the alerts app; chat tests subscribe without the rest of it.
  alerts_app::install_subscription_commands(service_->commands(), service_->config());
  if (options_.operations) service::install_operations(*service_, std::string(COSTBOT_SOURCE_DIR) + "/templates");
  if (options_.install) options_.install(*service_);
  service_->start();
}

void ServiceHarness::stop() {
  if (service_) service_->stop();
  service_.reset();
}

TestResponse ServiceHarness::post_slack(const std::string& path, const std::string& body, const std::string& content_type,
                                        std::optional<std::int64_t> timestamp) {
  auto now = service_->clock().now();
  return http_request("127.0.0.1", port(), "POST", path,
                      slack_headers(options_.signing_secret, timestamp.value_or(now), body, content_type), body);
}

TestResponse ServiceHarness::get(const std::string& path) { return http_request("127.0.0.1", port(), "GET", path); }

std::size_t ServiceHarness::deliver_due() {
  if (!options_.stepped_outbox) throw Error(ErrorKind::internal, "deliver_due needs HarnessOptions::stepped_outbox");
  return service_->outbox().deliver_due(db());
}

storage::Database& ServiceHarness::db() {
  if (!db_) db_ = std::make_unique<storage::Database>(options_.database_path);
  return *db_;
}

}  // namespace costbot::testing
