#pragma once
// The one outbox for every outbound effect. Producers call enqueue() inside the transaction that
// changes state, so the effect exists if and only if the change committed. The worker (bot/)
// claims due rows, hands each to the adapter registered for its kind, and records the outcome.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::outbox {

struct Effect {
  Effect() = default;
  Effect(std::string kind_, std::string key, boost::json::object payload_, UnixSeconds not_before_ = 0, std::string after_ = {})
      : kind(std::move(kind_)), idempotency_key(std::move(key)), payload(std::move(payload_)), not_before(not_before_),
        after(std::move(after_)) {}

  std::string kind;             // "slack.post", "ticket.create", ... (engine/messages: outbox_kind)
  std::string idempotency_key;  // stable for the logical effect, e.g. "approval:42:ticket"
  boost::json::object payload;
  UnixSeconds not_before = 0;   // deliver no earlier than this (0 = now)
  std::string after;            // deliver only once the effect with this key is done or failed (empty: any time)
};

struct Item {
  std::int64_t id = 0;
  std::string kind;
  std::string idempotency_key;
  boost::json::object payload;
  int attempts = 0;  // including the current one
  UnixSeconds created_at = 0;
};

struct Stats {
  std::int64_t pending = 0, in_flight = 0, done = 0, failed = 0;
  std::int64_t retries = 0;  // attempts beyond the first, over all rows
};

// Adds the effect. Must be called inside the caller's write transaction. A second effect with the
// same idempotency key is ignored; the existing row's id is returned either way.
std::int64_t enqueue(storage::Database& db, const Effect& effect, UnixSeconds now);

// Claims one due row (pending and due, or in_flight with an expired lease; not waiting for an
// effect still pending) and leases it.
std::optional<Item> claim(storage::Database& db, UnixSeconds now, std::int64_t lease_seconds = 60,
                          const std::vector<std::string>& kinds = {});
void complete(storage::Database& db, std::int64_t id, const boost::json::value& result, UnixSeconds now);
void retry_later(storage::Database& db, std::int64_t id, UnixSeconds next_attempt_at, const std::string& error);
void fail(storage::Database& db, std::int64_t id, const std::string& error, UnixSeconds now);

Stats stats(storage::Database& db);
// The result recorded for a delivered effect (e.g. the Slack ts or the Jira key).
std::optional<boost::json::value> result_of(storage::Database& db, const std::string& idempotency_key);
std::optional<std::string> status_of(storage::Database& db, const std::string& idempotency_key);
// The newest row id (0 when empty), and the rows of `kind` queued after `after_id`, newest first:
// what a request just queued (e.g. the redraw a Teams invoke answers with).
std::int64_t last_id(storage::Database& db);
std::vector<Item> queued_after(storage::Database& db, std::int64_t after_id, const std::string& kind);

}  // namespace costbot::outbox
