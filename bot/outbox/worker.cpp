#include "bot/outbox/worker.hpp"

#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>

#include "adapters/http/remote_error.hpp"
#include "bot/metrics/service_metrics.hpp"

namespace costbot::outbox {
namespace {

struct Verdict {
  bool retry = true;
  std::optional<std::chrono::seconds> retry_after;
  std::string error;
};

Verdict classify(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const http::RemoteError& e) {
    return {e.retryable(), e.retry_after(), e.what()};
  } catch (const DeliveryError& e) {
    return {e.retryable(), e.retry_after(), e.what()};
  } catch (const Error& e) {
    bool retry = e.kind() == ErrorKind::unavailable || e.kind() == ErrorKind::too_many_requests ||
                 e.kind() == ErrorKind::internal;
    return {retry, std::nullopt, e.what()};
  } catch (const SQLite::Exception& e) {
    return {true, std::nullopt, std::string("database: ") + e.what()};
  } catch (const std::exception& e) {
    return {true, std::nullopt, e.what()};
  } catch (...) {
    return {true, std::nullopt, "unknown error"};
  }
}

}  // namespace

WorkerOptions WorkerOptions::from(const config::OutboxConfig& c) {
  WorkerOptions o;
  o.poll_interval = std::chrono::seconds(c.poll_interval);
  o.max_attempts = c.max_attempts;
  o.backoff_base = std::chrono::seconds(c.backoff_base);
  o.backoff_max = std::chrono::seconds(c.backoff_max);
  o.lease = std::chrono::seconds(c.lease);
  return o;
}

Worker::Worker(std::string database_path, const Clock& clock, WorkerOptions options)
    : database_path_(std::move(database_path)), clock_(clock), options_(options) {}

Worker::~Worker() { stop(std::chrono::milliseconds(0)); }

void Worker::register_handler(const std::string& kind, DeliveryHandler handler) {
  if (thread_.joinable()) throw Error(ErrorKind::internal, "register outbox handlers before start(): " + kind);
  if (!handlers_.count(kind)) kinds_.push_back(kind);
  handlers_[kind] = std::move(handler);
}

std::vector<std::string> Worker::kinds() const { return kinds_; }

std::chrono::seconds Worker::backoff(int attempts) {
  double exp = static_cast<double>(options_.backoff_base.count()) * static_cast<double>(1LL << std::min(attempts - 1, 30));
  double cap = std::min(exp, static_cast<double>(options_.backoff_max.count()));
  std::lock_guard lock(rng_mutex_);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);  // spread retries, never below half
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(cap * jitter(rng_) + 0.5)));
}

bool Worker::deliver_one(storage::Database& db) {
  if (kinds_.empty()) return false;
  auto now = clock_.now();
  auto item = claim(db, now, options_.lease.count(), kinds_);
  if (!item) return false;
  DeliveryContext ctx{db, now, [this] { wake(); }};
  try {
    auto result = handlers_.at(item->kind)(*item, ctx);
    complete(db, item->id, result, clock_.now());
    ++delivered_;
    metrics::service().record_delivery(item->kind, metrics::ServiceMetrics::Delivery::delivered);
    spdlog::debug("outbox {} #{} ({}) delivered", item->kind, item->id, item->idempotency_key);
    return true;
  } catch (...) {
    auto verdict = classify(std::current_exception());
    auto after = clock_.now();
    if (!verdict.retry || item->attempts >= options_.max_attempts) {
      std::string why = verdict.retry ? "gave up after " + std::to_string(item->attempts) + " attempts: " + verdict.error
                                      : verdict.error;
      fail(db, item->id, why, after);
      ++failed_;
      metrics::service().record_delivery(item->kind, metrics::ServiceMetrics::Delivery::failed);
      spdlog::error("outbox {} #{} ({}) failed: {}", item->kind, item->id, item->idempotency_key, why);
      return true;
    }
    auto delay = verdict.retry_after ? std::max(*verdict.retry_after, std::chrono::seconds(1)) : backoff(item->attempts);
    retry_later(db, item->id, after + delay.count(), verdict.error);
    ++retried_;
    metrics::service().record_delivery(item->kind, metrics::ServiceMetrics::Delivery::retry);
    spdlog::warn("outbox {} #{} ({}) attempt {} failed, retry in {}s{}: {}", item->kind, item->id, item->idempotency_key,
                 item->attempts, delay.count(), verdict.retry_after ? " (Retry-After)" : "", verdict.error);
    return true;
  }
}

std::size_t Worker::deliver_due(storage::Database& db) {
  std::size_t n = 0;
  while (deliver_one(db)) ++n;
  return n;
}

void Worker::start() {
  if (!options_.background_thread || thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Worker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_one();
}

void Worker::run() {
  std::unique_ptr<storage::Database> db;
  for (;;) {
    bool flushing;
    {
      std::lock_guard lock(mutex_);
      flushing = stopping_;
      if (flushing && std::chrono::steady_clock::now() >= flush_deadline_) return;
    }
    bool delivered = false;
    try {
      if (!db) db = std::make_unique<storage::Database>(database_path_);
      delivered = deliver_one(*db);
    } catch (const std::exception& e) {
      // The database itself failing (locked for long, disk full): keep the worker alive.
      spdlog::error("outbox worker: {}", e.what());
      db.reset();
    }
    if (delivered) continue;
    if (flushing) return;  // nothing more due: the flush is done
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, options_.poll_interval, [this] { return woken_ || stopping_; });
    woken_ = false;
  }
}

void Worker::stop(std::chrono::milliseconds flush_grace) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    flush_deadline_ = std::chrono::steady_clock::now() + flush_grace;
  }
  wakeup_.notify_one();
  thread_.join();
}

WorkerCounters Worker::counters() const { return {delivered_.load(), retried_.load(), failed_.load()}; }

}  // namespace costbot::outbox
