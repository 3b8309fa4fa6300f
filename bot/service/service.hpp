#pragma once
// The running service (`costbot serve`): the HTTP server, the outbox worker, the command
// dispatcher, the action handler, the outbound HTTPS client and a small pool for slow work, wired
// once. Other parts extend it before start():
//   service.router().add(...)                       more routes (/teams/messages, /metrics, /api/v1)
//   service.outbox().register_handler(kind, fn)     deliver an effect kind (ticket.create, slack.post, ...)
//   service.commands().on(name, fn, speed)          run a command (anomalies, approve, ...)
//   service.set_action_handler(handler)             decide clicks (the approvals engine)
//   service.add_component(component)                background jobs (the scheduler)
// Every thread that touches the database uses its own connection: service.db().
#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapters/http/client.hpp"
#include "bot/actions/action_handler.hpp"
#include "bot/commands/dispatcher.hpp"
#include "bot/outbox/worker.hpp"
#include "bot/server/router.hpp"
#include "bot/server/server.hpp"
#include "engine/auth/authorization.hpp"
#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace boost::asio {
class thread_pool;  // <boost/asio/thread_pool.hpp> only where the pool is used: Asio is heavy to parse
}

namespace costbot::service {

class Service;

// A background part of the service with a lifetime: started after the server, stopped before it.
class Component {
 public:
  virtual ~Component() = default;
  virtual std::string name() const = 0;
  virtual void start(Service& service) = 0;
  virtual void stop() = 0;
};

// One SQLite connection per thread, opened on first use, owned here (closed with the service).
class ConnectionPerThread {
 public:
  explicit ConnectionPerThread(std::string path) : path_(std::move(path)) {}
  storage::Database& get();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::shared_mutex mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<storage::Database>> connections_;
};

struct ServiceOptions {
  std::string listen;            // HOST:PORT, overrides server.listen
  std::string templates_root = "templates";  // message templates (every channel renders from them)
  const Clock* clock = nullptr;  // default: default_clock()
  // Overrides for tests (the config's unit is seconds).
  std::optional<server::ServerOptions> server;
  std::optional<outbox::WorkerOptions> outbox;
  std::optional<http::ClientOptions> http_client;
};

class Service {
 public:
  Service(config::Config config, ServiceOptions options = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Extension points (use before start()).
  server::Router& router() { return *router_; }
  outbox::Worker& outbox() { return *worker_; }
  commands::Dispatcher& commands() { return *dispatcher_; }
  void set_action_handler(std::shared_ptr<actions::ActionHandler> handler) { action_handler_ = std::move(handler); }
  actions::ActionHandler& action_handler() { return *action_handler_; }
  // The current handler, for a part that wraps it (handles some clicks, passes on the rest).
  std::shared_ptr<actions::ActionHandler> action_handler_ptr() const { return action_handler_; }
  void add_component(std::shared_ptr<Component> component) { components_.push_back(std::move(component)); }

  // Shared services.
  storage::Database& db() { return connections_.get(); }  // this thread's connection
  http::Client& http_client() { return *http_client_; }
  boost::asio::thread_pool& work_pool() { return *work_pool_; }
  const config::Config& config() const { return config_; }
  // Who may do what (engine/auth): every surface asks it before acting.
  const auth::Authorizer& authorizer() const { return *authorizer_; }
  auth::Authorizer& authorizer() { return *authorizer_; }  // for parts that install a group directory
  const render::Templates& templates() const { return *templates_; }
  std::shared_ptr<const render::Templates> templates_ptr() const { return templates_; }
  const Clock& clock() const { return *clock_; }
  void wake_outbox() { worker_->wake(); }

  // Migrates the database, binds, starts the server, the outbox worker and the components.
  void start();
  // Graceful: components, then the server (stop accepting, finish requests in flight), then the
  // slow-work pool, then the outbox (deliver what is due) — within server.shutdown_grace.
  void stop();
  // start(), wait for SIGTERM or SIGINT, stop(). Returns the process exit code.
  int run_until_signal();

  // SIGHUP: re-read the TLS certificate and key (server.tls_*); a bad pair is logged, the old stays.
  void reload();
  unsigned short port() const { return server_->port(); }
  std::string url() const { return server_->url(); }
  bool started() const { return started_; }

 private:
  void add_health_routes();

  config::Config config_;
  ServiceOptions options_;
  const Clock* clock_;
  ConnectionPerThread connections_;
  std::shared_ptr<const render::Templates> templates_;
  std::shared_ptr<server::Router> router_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<http::Client> http_client_;
  std::unique_ptr<outbox::Worker> worker_;
  std::unique_ptr<commands::Dispatcher> dispatcher_;
  std::shared_ptr<actions::ActionHandler> action_handler_;
  std::vector<std::shared_ptr<Component>> components_;
  std::unique_ptr<boost::asio::thread_pool> work_pool_;
  std::unique_ptr<server::Server> server_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace costbot::service
