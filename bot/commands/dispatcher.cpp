#include "bot/commands/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "bot/commands/replies.hpp"
#include "bot/commands/team_lookup.hpp"
#include "engine/query/costs.hpp"
#include "engine/query/period.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::commands {
namespace {

std::string plural(std::string_view dimension) {
  if (dimension == "service") return "services";
  if (dimension == "team") return "teams";
  if (dimension == "account") return "accounts";
  return std::string(dimension);
}

chat::Reply error_reply(std::string text) {
  chat::Reply r;
  r.text(std::move(text));
  r.fallback = r.summary();
  return r;
}

}  // namespace

std::string CachedReply::rendered(const std::string& channel,
                                  const std::function<std::string(const chat::Reply&)>& render) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = renders_.find(channel); it != renders_.end()) return it->second;
  }
  auto text = render(reply_);
  std::lock_guard lock(mutex_);
  return renders_.emplace(channel, std::move(text)).first->second;
}

DispatcherOptions DispatcherOptions::from(const config::Config& config) {
  DispatcherOptions o;
  o.currency = config.currency.base;
  o.default_period = config.commands.default_period;
  o.top_default = config.commands.top_default;
  o.cache_ttl = std::chrono::seconds(config.commands.cache_ttl);
  o.teams = config.teams;
  o.command_prefix = config.slack.command;
  return o;
}

Dispatcher::Dispatcher(DispatcherOptions options) : options_(std::move(options)) {}

void Dispatcher::on(const std::string& command_name, CommandHandler handler, Speed speed) {
  if (!find_command(command_name)) throw Error(ErrorKind::internal, "no such command to handle: " + command_name);
  handlers_[command_name] = {std::move(handler), speed};
}

bool Dispatcher::has_handler(const std::string& command_name) const { return handlers_.count(command_name) > 0; }

Speed Dispatcher::speed_of(const Command& command) const {
  auto name = name_of(command);
  if (auto it = handlers_.find(name); it != handlers_.end()) return it->second.speed;
  return std::holds_alternative<Top>(command) || std::holds_alternative<TeamCost>(command) ? Speed::may_be_slow
                                                                                          : Speed::quick;
}

chat::Reply Dispatcher::run(std::string_view text, Invocation& invocation) {
  auto parsed = parse(text);
  if (!parsed.ok()) return help_for(parsed.error);
  return dispatch(*parsed.command, invocation);
}

chat::Reply Dispatcher::dispatch(const Command& command, Invocation& inv) {
  if (guard_)
    if (auto refused = guard_(command, inv)) return *refused;
  auto name = name_of(command);
  if (auto it = handlers_.find(name); it != handlers_.end()) return private_answer(command, it->second.handler(command, inv));
  if (auto* h = std::get_if<Help>(&command)) return help(h->topic);
  if (!std::holds_alternative<Top>(command) && !std::holds_alternative<TeamCost>(command)) return not_available(command);

  if (auto hit = cached(command, inv)) return hit->reply();
  auto fingerprint = data_fingerprint(*inv.db);  // before the query: a change during it is noticed next time
  chat::Reply reply = private_answer(command, std::holds_alternative<Top>(command) ? run_top(std::get<Top>(command), inv)
                                                                                   : run_team(std::get<TeamCost>(command), inv));
  if (options_.cache_ttl.count() > 0) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() > 1000) cache_.clear();  // bounded: distinct queries per day are few
    auto now = std::chrono::steady_clock::now();
    cache_[cache_key(command, inv)] = {std::make_shared<const CachedReply>(reply), fingerprint, now + options_.cache_ttl, now};
  }
  return reply;
}

std::string Dispatcher::cache_key(const Command& command, const Invocation& inv) const {
  return to_text(command) + "|" + format_day(inv.today());
}

std::string Dispatcher::data_fingerprint(storage::Database& db) const {
  // Cheap index lookups that change whenever ingestion writes: new cost rows, scopes, runs.
  SQLite::Statement q(db.sql(),
                      "SELECT (SELECT COALESCE(MAX(rowid), 0) FROM cost_daily), (SELECT COUNT(*) FROM billing_scopes), "
                      "(SELECT COALESCE(MAX(id), 0) FROM ingest_runs)");
  q.executeStep();
  return q.getColumn(0).getString() + ":" + q.getColumn(1).getString() + ":" + q.getColumn(2).getString();
}

std::shared_ptr<const CachedReply> Dispatcher::cached(const Command& command, Invocation& inv) {
  if (options_.cache_ttl.count() <= 0) return nullptr;
  if (guard_ && guard_(command, inv)) return nullptr;  // dispatch() answers the refusal
  auto key = cache_key(command, inv);
  auto now = std::chrono::steady_clock::now();
  std::string fingerprint;
  {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return nullptr;
    if (now >= it->second.expires) {
      cache_.erase(it);
      return nullptr;
    }
    // Re-validated against the data at most once a second, so a hot reply costs no query.
    if (now - it->second.checked < options_.cache_recheck) return it->second.reply;
    fingerprint = it->second.fingerprint;
  }
  if (!inv.db) return nullptr;
  auto current = data_fingerprint(*inv.db);
  std::lock_guard lock(cache_mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  if (current != fingerprint) {
    cache_.erase(it);
    return nullptr;
  }
  it->second.checked = now;
  return it->second.reply;
}

chat::Reply Dispatcher::run_top(const Top& top, Invocation& inv) {
  auto period_text = top.period.empty() ? options_.default_period : top.period;
  auto period = query::parse_period(period_text, inv.today());
  if (!period) return error_reply("\"" + period_text + "\" is not a period I know (try 7d, 30d, mtd, last-month or 2024-09).");
  auto by = top.by.value_or(query::Dimension::service);
  int limit = top.limit.value_or(options_.top_default);
  query::CostQuery q(*inv.db);
  auto rows = q.totals(by, *period, {}, static_cast<std::size_t>(limit));
  auto total = q.grand_total(*period);
  std::string dim(query::name_of(by));

  chat::Reply r;
  r.visibility = chat::Visibility::in_channel;
  r.title = "Top " + std::to_string(limit) + " " + plural(dim) + " · " + period->label;
  if (rows.empty()) {
    r.text("No cost data for " + period->label + ".");
    if (auto range = q.data_range())
      r.context("Data covers " + format_day(range->first) + " to " + format_day(range->second) + ".");
    r.fallback = r.title + ": no data";
    return r;
  }
  chat::TableBlock t;
  t.columns = {"#", dim, "cost", "share"};
  t.right_aligned = {true, false, true, true};
  int rank = 0;
  for (const auto& row : rows) {
    std::string name = row.key.empty() ? "(unallocated)" : row.label;
    if (name.size() > 40) name = name.substr(0, 39) + "~";
    double share = total.effective != 0 ? row.effective / total.effective : 0;
    t.rows.push_back({std::to_string(++rank), name, fmtx::money(row.effective, 2, options_.currency),
                      fmtx::percent(share)});
  }
  r.table(std::move(t));
  r.context("Total " + fmtx::money(total.effective, 2, options_.currency) + " · " + format_day(period->from) + " to " +
            format_day(period->to - std::chrono::days{1}) + " · effective cost");
  r.fallback = r.title + ": " + (rows.front().key.empty() ? "(unallocated)" : rows.front().label) + " " +
               fmtx::money(rows.front().effective, 2, options_.currency) + " first";
  return r;
}

chat::Reply Dispatcher::run_team(const TeamCost& tc, Invocation& inv) {
  auto period_text = tc.period.empty() ? options_.default_period : tc.period;
  auto period = query::parse_period(period_text, inv.today());
  if (!period) return error_reply("\"" + period_text + "\" is not a period I know (try 7d, 30d, mtd, last-month or 2024-09).");
  query::CostQuery q(*inv.db);

  auto team = lookup_team(options_.teams, q, tc.team);
  if (!team.found()) return error_reply(team.error);
  const config::TeamConfig* configured = team.configured;
  const std::string& name = team.name;

  query::Filters filters{{query::Dimension::team, name}};
  auto total = q.grand_total(*period, filters);
  query::Period before{period->from - std::chrono::days{period->days()}, period->from, "the period before"};
  auto previous = q.grand_total(before, filters);
  auto services = q.totals(query::Dimension::service, *period, filters, 5);

  chat::Reply r;
  r.visibility = chat::Visibility::in_channel;
  r.title = "Team " + name + " · " + period->label;
  std::vector<chat::Field> fields{{"Spend", fmtx::money(total.effective, 2, options_.currency)}};
  if (previous.effective > 0)
    fields.push_back({"vs. the " + std::to_string(period->days()) + " days before",
                      fmtx::percent_change((total.effective - previous.effective) / previous.effective)});
  if (configured && configured->budget.monthly > 0) {
    auto pace = q.month_pace(inv.today(), filters);
    fields.push_back({"Budget (month)", fmtx::money(configured->budget.monthly, 0, options_.currency)});
    fields.push_back({"Month to date", fmtx::money(pace.month_to_date, 2, options_.currency) + " (" +
                                           fmtx::percent(pace.month_to_date / configured->budget.monthly) + ")"});
  }
  r.fields(std::move(fields));
  if (!services.empty()) {
    chat::TableBlock t;
    t.columns = {"service", "cost"};
    t.right_aligned = {false, true};
    for (const auto& s : services)
      t.rows.push_back({s.key.empty() ? "(none)" : s.label, fmtx::money(s.effective, 2, options_.currency)});
    r.table(std::move(t));
  } else {
    r.text("No cost data for team " + name + " in " + period->label + ".");
  }
  r.context(format_day(period->from) + " to " + format_day(period->to - std::chrono::days{1}) + " · effective cost");
  r.fallback = r.title + ": " + fmtx::money(total.effective, 2, options_.currency);
  return r;
}

chat::Reply Dispatcher::not_available(const Command& command) const {
  std::string name(name_of(command));
  std::string missing = name == "anomalies" || name == "budget" || name == "forecast" ? "no detection engine"
                        : name == "subscribe" || name == "unsubscribe"                ? "no alerts engine"
                                                                                       : "no approvals engine";
  return error_reply("`" + name + "` is not available in this service yet (" + missing + " is connected). `" +
                     options_.command_prefix + " help` lists what works.");
}

chat::Reply Dispatcher::help(std::string_view topic) const {
  chat::Reply r;
  if (const auto* info = topic.empty() ? nullptr : find_command(topic)) {
    r.title = options_.command_prefix + " " + info->name;
    r.text("`" + options_.command_prefix + " " + info->usage + "`\n" + info->summary);
    r.context("PERIOD: 7d, 30d, mtd, last-month, 2024-09 (also \"last 7d\", \"this month\")");
    r.fallback = options_.command_prefix + " " + info->usage;
    return r;
  }
  r.title = "costbot commands";
  std::string lines;
  for (const auto& c : catalogue())
    lines += "`" + options_.command_prefix + " " + c.usage + "` " + c.summary + "\n";
  lines.pop_back();
  r.text(lines);
  r.context("PERIOD: 7d, 30d, mtd, last-month, 2024-09 · e.g. " + options_.command_prefix + " top 5 last 7d");
  r.fallback = "costbot commands: " + options_.command_prefix + " help";
  return r;
}

chat::Reply Dispatcher::help_for(const ParseError& error) const {
  chat::Reply r = help(error.command == "help" ? std::string_view() : std::string_view(error.command));
  std::string intro = "Sorry, I did not understand that: " + error.message + ".";
  if (!error.suggestion.empty()) {
    const auto* info = find_command(error.suggestion);
    intro += " Did you mean `" + options_.command_prefix + " " + (info ? info->usage : error.suggestion) + "`?";
  }
  r.blocks.insert(r.blocks.begin(), chat::TextBlock{intro});
  r.fallback = intro;
  r.visibility = chat::Visibility::ephemeral;
  return r;
}

}  // namespace costbot::commands
