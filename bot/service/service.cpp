#include "bot/service/service.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/thread_pool.hpp>

#include <filesystem>

#include "bot/api/auth.hpp"
#include "bot/auth/surfaces.hpp"
#include "bot/commands/share_clicks.hpp"
#include "bot/metrics/service_metrics.hpp"
#include "bot/service/decision_commands.hpp"
#include "engine/auth/role_audit.hpp"
#include "engine/util/error.hpp"

namespace costbot::service {

storage::Database& ConnectionPerThread::get() {
  auto id = std::this_thread::get_id();
  {
    std::shared_lock lock(mutex_);
    if (auto it = connections_.find(id); it != connections_.end()) return *it->second;
  }
  auto db = std::make_unique<storage::Database>(path_);
  std::unique_lock lock(mutex_);
  auto& slot = connections_[id];
  if (!slot) slot = std::move(db);
  return *slot;
}

Service::Service(config::Config config, ServiceOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &default_clock()),
      connections_(config_.database.path),
      templates_(std::make_shared<const render::Templates>(options_.templates_root)),
      router_(std::make_shared<server::Router>()),
      action_handler_(std::make_shared<actions::RecordingActionHandler>()) {
  // `serve --listen` moves the service: links follow unless server.public_url was configured.
  if (!options_.listen.empty()) {
    config_.server.listen = options_.listen;
    if (config_.server.public_url_derived) config_.server.public_url = config::ServerConfig::url_for_listen(options_.listen);
  }
  authorizer_ = std::make_unique<auth::Authorizer>(config_);
  http_client_ = std::make_unique<http::Client>(options_.http_client.value_or(http::ClientOptions::from(config_.http_client)));
  worker_ = std::make_unique<outbox::Worker>(config_.database.path, *clock_,
                                             options_.outbox.value_or(outbox::WorkerOptions::from(config_.outbox)));
  dispatcher_ = std::make_unique<commands::Dispatcher>(commands::DispatcherOptions::from(config_));
  add_health_routes();
  route_decision_commands(*this);
}

Service::~Service() { stop(); }

void Service::add_health_routes() {
  router_->add("GET", "/healthz", [](server::Request&) {
    return server::Response::json(200, {{"status", "ok"}});
  });
  // Ready = the database opens on this thread and every migration is applied.
  router_->add("GET", "/readyz", [this](server::Request& req) {
    try {
      auto& db = this->db();
      if (!db.is_current())
        return server::Response::json(503, {{"status", "not ready"}, {"reason", "database migrations are not applied"}});
      // A write probe that reaches the disk: a row written and deleted in one committed
      // transaction (a rolled-back one never writes, so a disk that stopped taking writes, e.g. a
      // filesystem remounted read-only under the open file, would pass). A read-only, full or
      // corrupt database is not ready to serve.
      {
        SQLite::Transaction probe(db.sql(), SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement ins(db.sql(), "INSERT INTO readiness_probe(at) VALUES (?)");
        ins.bind(1, static_cast<std::int64_t>(clock_->now()));
        ins.exec();
        db.sql().exec("DELETE FROM readiness_probe");
        probe.commit();
      }
      return server::Response::json(200, {{"status", "ready"}, {"schema_version", db.schema_version()}});
    } catch (const std::exception& e) {
      spdlog::error("readyz: the database at {} cannot be written: {}", config_.database.path, e.what());
      return server::Response::json(503, {{"status", "not ready"},
                                          {"reason", std::string("database cannot be written: ") + e.what()},
                                          {"request_id", req.id}});
    }
  });
  // Prometheus text format: requests by route and status with latency histograms (counted by the
  // server's on_response below), ingestion, findings, outbox and job instruments. The outbox depth
  // is read from the database at every scrape, on this request's own connection.
  router_->add("GET", "/metrics", [this](server::Request& req) {
    // Like the web channel (web.access): clients on this machine, or anyone when open; elsewhere a
    // scraper shows an API token (Prometheus: authorization: credentials).
    const auto& client = req.client;
    const bool local = client.starts_with("127.") || client == "::1" || client.starts_with("::ffff:127.");
    if (!local && config_.web.access != "open") {
      if (!req.header("authorization") || config_.api.tokens.empty())
        throw Error(ErrorKind::forbidden, "/metrics answers clients on this machine (web.access: local); scrape it "
                                          "with an API token (Authorization: Bearer) from elsewhere");
      api::authenticate(config_.api, req.header("authorization"));
    }
    auto& m = metrics::service();
    m.set_outbox(outbox::stats(db()));
    server::Response r;
    r.content_type = std::string(metrics::kContentType);
    r.body = metrics::default_registry().render();
    return r;
  });
}

void Service::start() {
  if (started_) return;
  {
    auto parent = std::filesystem::path(config_.database.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    auto& db = this->db();
    db.require_writable();  // a read-only file: one clear error at start, not failures per decision
    for (const auto& name : db.migrate()) spdlog::info("migration {} applied", name);
    // Roles come from config: what changed since the last start is audited now.
    auto roles = auth::record_role_changes(db, authorizer_->assignments(),
                                           config_.source_path.empty() ? "config" : config_.source_path, clock_->now());
    if (roles.granted || roles.revoked)
      spdlog::info("access: {} role assignment(s) granted, {} revoked since the last start (audited)", roles.granted,
                   roles.revoked);
  }
  auto server_options = options_.server.value_or(server::ServerOptions::from(config_.server, options_.listen));
  if (options_.server && !options_.listen.empty())
    config::parse_listen_address(options_.listen, server_options.host, server_options.port);
  if (!server_options.on_response)
    server_options.on_response = [](std::string_view route, std::string_view method, int status, double seconds) {
      metrics::service().record_request(route, method, status, seconds);
    };
  // Every click and command is authorized in one place (engine/auth), whichever surface it came
  // from: wrap the handler chain as it stands now, after every part installed its handler.
  action_handler_ = commands::make_share_handler(*dispatcher_, action_handler_);  // "Share to channel"
  action_handler_ = std::make_shared<authz::AuthorizingActionHandler>(*authorizer_, action_handler_);
  dispatcher_->set_guard(authz::command_guard(*authorizer_));
  work_pool_ = std::make_unique<boost::asio::thread_pool>(static_cast<std::size_t>(config_.server.work_threads));
  server_ = std::make_unique<server::Server>(server_options, router_);
  server_->start();
  worker_->start();
  for (auto& c : components_) {
    spdlog::info("starting {}", c->name());
    c->start(*this);
  }
  started_ = true;
  spdlog::info("costbot listening on {} ({} I/O threads); routes: {}", server_->url(), server_options.threads,
               [&] {
                 std::string all;
                 for (const auto& r : router_->describe()) all += (all.empty() ? "" : ", ") + r;
                 return all;
               }());
}

void Service::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  auto grace = std::chrono::seconds(config_.server.shutdown_grace);
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto it = components_.rbegin(); it != components_.rend(); ++it) {
    spdlog::info("stopping {}", (*it)->name());
    (*it)->stop();
  }
  spdlog::info("shutting down: finishing requests in flight (up to {}s)", grace.count());
  server_->shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
  work_pool_->join();  // slow work that already answered "working on it" still sends its follow-up
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  worker_->stop(std::max(left, std::chrono::milliseconds(1000)));
  auto s = outbox::stats(db());
  spdlog::info("stopped; outbox: {} pending, {} failed, {} done", s.pending + s.in_flight, s.failed, s.done);
}

void Service::reload() {
  if (!server_) return;
  try {
    server_->reload_tls();
  } catch (const std::exception& e) {
    spdlog::error("reload: {}; the previous certificate stays in use", e.what());
  }
}

int Service::run_until_signal() {
  // Block the signals before any thread starts, so every thread inherits the mask and only
  // sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A write past a file-size limit (systemd's LimitFSIZE, ulimit -f) fails with EFBIG, which the
  // database reports as an error like any full disk, instead of killing the process.
  ::signal(SIGXFSZ, SIG_IGN);
  start();
  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received != SIGHUP) break;
    spdlog::info("received SIGHUP");
    reload();
  }
  spdlog::info("received {}", received == SIGTERM ? "SIGTERM" : "SIGINT");
  stop();
  return 0;
}

}  // namespace costbot::service
