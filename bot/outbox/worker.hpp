#pragma once
// The outbox worker: claims due effects (engine/outbox), hands each to the delivery handler
// registered for its kind, and records the outcome. Failures back off exponentially with jitter
// (a service's Retry-After wins); an error that retrying cannot fix (a 4xx other than 429, Slack's
// channel_not_found, ...) or the last allowed attempt marks the effect failed. A restart resumes
// where the last process stopped (rows stay pending, an abandoned claim expires with its lease).
//
// Nothing is sent twice: an effect is queued once per idempotency key and completed once; a
// handler whose remote call succeeded records what it made (a Slack ts in message_copies, a Jira
// key) before the row is completed, and checks that record first, so a retry after a crash in
// between skips the call.
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/messages/message.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/error.hpp"
#include "engine/util/time.hpp"

namespace costbot::outbox {

struct DeliveryContext {
  storage::Database& db;  // the worker thread's connection: record results, enqueue follow-ups
  UnixSeconds now;
  std::function<void()> wake;  // call after enqueueing a follow-up that should go at once
};

// Delivers one effect; returns what to record as its result (a message ts, a ticket key, {}).
// Throw to fail: http::RemoteError says itself whether to retry and when; a costbot::Error is
// retried when its kind is unavailable/too_many_requests/internal and is final otherwise;
// DeliveryError lets a handler decide explicitly. Anything else is retried.
using DeliveryHandler = std::function<boost::json::value(const Item&, DeliveryContext&)>;

class DeliveryError : public Error {
 public:
  DeliveryError(std::string message, bool retryable, std::optional<std::chrono::seconds> retry_after = std::nullopt)
      : Error(retryable ? ErrorKind::unavailable : ErrorKind::invalid_input, std::move(message)),
        retryable_(retryable), retry_after_(retry_after) {}
  bool retryable() const { return retryable_; }
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }

 private:
  bool retryable_;
  std::optional<std::chrono::seconds> retry_after_;
};

struct WorkerOptions {
  std::chrono::milliseconds poll_interval{1000};
  int max_attempts = 8;
  std::chrono::seconds backoff_base{2};
  std::chrono::seconds backoff_max{600};
  std::chrono::seconds lease{60};
  // false: start() runs no thread; the owner steps delivery with deliver_due() on its own thread
  // (service tests: what is due goes exactly when the test says, with no polling).
  bool background_thread = true;

  static WorkerOptions from(const config::OutboxConfig& config);
};

struct WorkerCounters {
  std::uint64_t delivered = 0, retried = 0, failed = 0;
};

class Worker {
 public:
  Worker(std::string database_path, const Clock& clock, WorkerOptions options = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Register before start(). Only kinds with a handler are claimed, so effects for channels this
  // process does not serve stay queued for one that does.
  void register_handler(const std::string& kind, DeliveryHandler handler);
  std::vector<std::string> kinds() const;

  void start();  // a background thread with its own database connection (unless !background_thread)
  void wake();   // look for due effects now (call after committing an enqueue)
  // Finishes the delivery in progress, then keeps delivering what is due for up to flush_grace.
  void stop(std::chrono::milliseconds flush_grace);

  // One step on the caller's thread and connection: claim and deliver (or retry, or fail) one due
  // effect. Returns false when nothing was due. deliver_due: until nothing is due; returns the
  // number of attempts made.
  bool deliver_one(storage::Database& db);
  std::size_t deliver_due(storage::Database& db);

  WorkerCounters counters() const;
  // The delay before attempt `attempts + 1` (exponential, capped, with jitter).
  std::chrono::seconds backoff(int attempts);

 private:
  void run();

  std::string database_path_;
  const Clock& clock_;
  WorkerOptions options_;
  std::map<std::string, DeliveryHandler> handlers_;
  std::vector<std::string> kinds_;

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point flush_deadline_;

  std::mutex rng_mutex_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<std::uint64_t> delivered_{0}, retried_{0}, failed_{0};
};

// Registers `fn(effect, item, ctx)` for an effect read from the payload as `Effect`
// (engine/messages): a payload that does not read as one fails at once, naming the field.
template <class Effect, class Fn>
void register_typed(Worker& worker, const std::string& kind, Fn fn) {
  worker.register_handler(kind, [fn = std::move(fn)](const Item& item, DeliveryContext& ctx) -> boost::json::value {
    Effect effect;
    try {
      effect = messages::effect_from<Effect>(item.payload);
    } catch (const Error& e) {
      throw DeliveryError(item.kind + " " + item.idempotency_key + ": " + e.what(), false);
    }
    return fn(effect, item, ctx);
  });
}

}  // namespace costbot::outbox
