#pragma once
// Executes commands and returns channel-neutral replies (engine/chat/reply.hpp); each chat adapter
// renders them. Built in: help, top, team (cost queries), subscribe/unsubscribe. Every other
// command is an extension point: the service registers a handler by command name (detection
// registers anomalies/budget/forecast, the approvals engine approvals/approve/reject/request).
// A command with no handler answers that it is not available in this service, never an error.
//
// Query replies are cached for commands.cache_ttl, keyed by the command's canonical text and the
// day, and dropped as soon as the cost data changes (new rows, a new ingest run).
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bot/commands/command.hpp"
#include "engine/chat/action.hpp"
#include "engine/chat/reply.hpp"
#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::commands {

// Who asked, where, and with which database connection (the calling thread's own).
struct Invocation {
  chat::Actor actor;
  std::string channel;    // where it was asked (a Slack channel id, a Teams conversation)
  std::string workspace;  // Slack team id, Teams tenant
  storage::Database* db = nullptr;
  UnixSeconds now = 0;
  Day today() const { return day_of(now); }
};

using CommandHandler = std::function<chat::Reply(const Command&, Invocation&)>;

// A cached reply, shared (never copied on the hot path), with its renderings per channel made
// once: a popular query costs one render, not one per request.
class CachedReply {
 public:
  explicit CachedReply(chat::Reply reply) : reply_(std::move(reply)) {}
  const chat::Reply& reply() const { return reply_; }
  // The reply rendered for `channel` ("slack"), computed by `render` the first time only.
  std::string rendered(const std::string& channel, const std::function<std::string(const chat::Reply&)>& render) const;

 private:
  chat::Reply reply_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::string> renders_;
};

enum class Speed {
  quick,        // answers from small tables or memory: always inline
  may_be_slow,  // reads cost data or calls out: the adapter may ack first and follow up
};

struct DispatcherOptions {
  std::string currency = "USD";
  std::string default_period = "7d";
  int top_default = 10;
  std::chrono::seconds cache_ttl{60};
  // A cached reply is compared with the data at most this often (0 = on every use).
  std::chrono::milliseconds cache_recheck{1000};
  std::vector<config::TeamConfig> teams;  // names and aliases, to resolve "team pay-team"
  std::string command_prefix = "/cost";   // how help writes commands ("/cost top 5")

  static DispatcherOptions from(const config::Config& config);
};

class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options);

  // Asked before every command runs (and before a cached reply is handed out): a reply refuses it.
  // The service installs engine/auth's check here (bot/auth/surfaces.hpp).
  using Guard = std::function<std::optional<chat::Reply>(const Command&, const Invocation&)>;
  void set_guard(Guard guard) { guard_ = std::move(guard); }

  // Registers (or replaces) the handler of a command by name ("anomalies", "approve", ...).
  void on(const std::string& command_name, CommandHandler handler, Speed speed = Speed::quick);
  bool has_handler(const std::string& command_name) const;

  // Parses and runs; unknown or malformed input gets help with the closest command.
  chat::Reply run(std::string_view text, Invocation& invocation);
  chat::Reply dispatch(const Command& command, Invocation& invocation);
  // A reply to a parse error: what was wrong, the closest command, and its usage.
  chat::Reply help_for(const ParseError& error) const;
  chat::Reply help(std::string_view topic = {}) const;

  Speed speed_of(const Command& command) const;
  // The cached reply for a query, when there is a fresh one (cheap: for the adapter's fast path).
  std::shared_ptr<const CachedReply> cached(const Command& command, Invocation& invocation);

  const DispatcherOptions& options() const { return options_; }

 private:
  chat::Reply run_top(const Top& top, Invocation& inv);
  chat::Reply run_team(const TeamCost& team, Invocation& inv);
  chat::Reply not_available(const Command& command) const;

  std::string cache_key(const Command& command, const Invocation& inv) const;
  std::string data_fingerprint(storage::Database& db) const;

  struct Registered {
    CommandHandler handler;
    Speed speed;
  };
  DispatcherOptions options_;
  Guard guard_;
  std::map<std::string, Registered, std::less<>> handlers_;

  struct CacheEntry {
    std::shared_ptr<const CachedReply> reply;
    std::string fingerprint;
    std::chrono::steady_clock::time_point expires;
    std::chrono::steady_clock::time_point checked;  // when the fingerprint was last compared
  };
  std::mutex cache_mutex_;
  std::unordered_map<std::string, CacheEntry> cache_;
};

}  // namespace costbot::commands
