#include "bot/commands/command.hpp"

#include <algorithm>

#include "engine/query/period.hpp"
#include "engine/util/strings.hpp"

namespace costbot::commands {
namespace {

struct Failure {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw Failure{std::move(message)}; }

// Words keep their original spelling (team names, reasons); keywords compare lower-cased.
struct Words {
  std::vector<std::string> original;
  std::vector<std::string> lower;
  std::size_t size() const { return original.size(); }
};

Words words_of(std::string_view text) {
  Words w;
  w.original = text::split_words(text);
  for (const auto& word : w.original) w.lower.push_back(text::to_lower(word));
  return w;
}

// A positive id, written 42, #42 or approval:42 / finding:7.
std::optional<std::int64_t> parse_id(std::string_view word) {
  if (auto colon = word.rfind(':'); colon != std::string_view::npos) word = word.substr(colon + 1);
  if (word.starts_with("#")) word.remove_prefix(1);
  if (word.empty() || word.size() > 18) return std::nullopt;
  for (char c : word)
    if (c < '0' || c > '9') return std::nullopt;
  auto id = text::parse_int(word);
  if (!id || *id <= 0) return std::nullopt;
  return *id;
}

void no_more(const Words& w, std::size_t i, std::string_view command) {
  if (i < w.size())
    fail("unexpected \"" + w.original[i] + "\" after " + std::string(command) + " (usage: " +
         find_command(command)->usage + ")");
}

std::string period_at(const Words& w, std::size_t& i, std::string_view command) {
  if (i >= w.size()) return {};
  std::size_t used = 0;
  auto period = parse_period_words(w.lower, i, used);
  if (!period)
    fail("\"" + w.original[i] + "\" is not a period (try 7d, 30d, mtd, last-month or 2024-09; usage: " +
         find_command(command)->usage + ")");
  i += used;
  return *period;
}

Top parse_top(const Words& w) {
  Top top;
  std::size_t i = 1;
  while (i < w.size()) {
    const auto& word = w.lower[i];
    if (auto n = text::parse_int(word); n && word.find_first_not_of("0123456789") == std::string::npos) {
      if (top.limit) fail("top: the count is given twice");
      if (*n < 1 || *n > 50) fail("top: N must be between 1 and 50, got " + word);
      top.limit = static_cast<int>(*n);
      ++i;
    } else if (word == "by") {
      if (i + 1 >= w.size()) fail("top: \"by\" needs service, team or account");
      auto dim = query::parse_dimension(w.lower[i + 1]);
      if (!dim || (*dim != query::Dimension::service && *dim != query::Dimension::team &&
                   *dim != query::Dimension::account))
        fail("top: cannot group by \"" + w.original[i + 1] + "\" (valid: service, team, account)");
      top.by = dim;
      i += 2;
    } else {
      if (!top.period.empty()) fail("top: unexpected \"" + w.original[i] + "\" (usage: " + find_command("top")->usage + ")");
      top.period = period_at(w, i, "top");
    }
  }
  return top;
}

std::string optional_word(const Words& w, std::size_t& i) { return i < w.size() ? w.original[i++] : std::string(); }

Command parse_words(const Words& w) {
  const std::string& verb = w.lower[0];
  std::size_t i = 1;
  if (verb == "help" || verb == "?" || verb == "commands") {
    Help h;
    if (i < w.size()) {
      h.topic = w.lower[i++];
      if (!find_command(h.topic)) {
        auto guess = text::closest(h.topic, [] {
          std::vector<std::string> names;
          for (const auto& c : catalogue()) names.push_back(c.name);
          return names;
        }());
        fail("help: no command \"" + w.original[1] + "\"" + (guess ? " (did you mean \"" + *guess + "\"?)" : ""));
      }
    }
    no_more(w, i, "help");
    return h;
  }
  if (verb == "top") return parse_top(w);
  if (verb == "team") {
    if (i >= w.size()) fail("team: which team? (usage: " + find_command("team")->usage + ")");
    TeamCost t;
    t.team = w.original[i++];
    t.period = period_at(w, i, "team");
    no_more(w, i, "team");
    return t;
  }
  if (verb == "anomalies") {
    Anomalies a;
    if (i < w.size() && (w.lower[i] == "open" || w.lower[i] == "all")) a.all = w.lower[i++] == "all";
    a.team = optional_word(w, i);
    no_more(w, i, "anomalies");
    return a;
  }
  if (verb == "budget" || verb == "forecast") {
    std::string team = optional_word(w, i);
    no_more(w, i, verb);
    if (verb == "budget") return Budget{team};
    return Forecast{team};
  }
  if (verb == "approvals") {
    Approvals a;
    if (i < w.size()) {
      if (w.lower[i] != "mine") fail("approvals: expected \"mine\" or nothing, got \"" + w.original[i] + "\"");
      a.mine = true;
      ++i;
    }
    no_more(w, i, "approvals");
    return a;
  }
  if (verb == "approve" || verb == "reject") {
    if (i >= w.size()) fail(verb + ": which request? (usage: " + find_command(verb)->usage + ")");
    auto id = parse_id(w.lower[i]);
    if (!id) fail(verb + ": \"" + w.original[i] + "\" is not a request id (usage: " + find_command(verb)->usage + ")");
    ++i;
    if (verb == "approve") {
      no_more(w, i, "approve");
      return Approve{*id};
    }
    Reject r{*id, {}};
    for (; i < w.size(); ++i) r.reason += (r.reason.empty() ? "" : " ") + w.original[i];
    return r;
  }
  if (verb == "request") {
    if (i >= w.size() || w.lower[i] != "ticket")
      fail("request: expected \"ticket\" (usage: " + find_command("request")->usage + ")");
    ++i;
    if (i >= w.size()) fail("request ticket: which finding? (usage: " + find_command("request")->usage + ")");
    std::string_view word = w.lower[i];
    if (word.starts_with("#")) word.remove_prefix(1);
    if (word.starts_with("f")) word.remove_prefix(1);  // F12, as every list and message names findings
    auto id = parse_id(word);
    if (!id) fail("request ticket: \"" + w.original[i] + "\" is not a finding id");
    ++i;
    no_more(w, i, "request");
    return RequestTicket{*id};
  }
  if (verb == "subscribe") {
    if (i >= w.size()) fail("subscribe: which persona? (usage: " + find_command("subscribe")->usage + ")");
    Subscribe s{w.lower[i++]};
    no_more(w, i, "subscribe");
    return s;
  }
  if (verb == "unsubscribe") {
    Unsubscribe u{i < w.size() ? w.lower[i++] : std::string()};
    no_more(w, i, "unsubscribe");
    return u;
  }
  fail("unknown command");
}

// The command a mistyped word most likely meant: a near spelling, a swap of letters ("tpo"), or
// the start of a command ("anom").
std::string suggest(const std::string& word) {
  std::vector<std::string> names;
  for (const auto& c : catalogue()) names.push_back(c.name);
  if (auto guess = text::closest(word, names)) return *guess;
  std::string sorted_word = word;
  std::sort(sorted_word.begin(), sorted_word.end());
  for (const auto& name : names) {
    std::string sorted_name = name;
    std::sort(sorted_name.begin(), sorted_name.end());
    if (sorted_name == sorted_word) return name;
  }
  if (word.size() >= 3)
    for (const auto& name : names)
      if (name.starts_with(word)) return name;
  return {};
}

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

const std::vector<CommandInfo>& catalogue() {
  static const std::vector<CommandInfo> all = {
      {"help", "help [COMMAND]", "what costbot understands"},
      {"top", "top [N] [by service|team|account] [PERIOD]", "the biggest costs, e.g. top 5 by team 30d"},
      {"team", "team NAME [PERIOD]", "one team's spend and its largest services"},
      {"anomalies", "anomalies [open|all] [TEAM]", "detected cost anomalies and waste"},
      {"budget", "budget [TEAM]", "month-to-date spend against budget"},
      {"forecast", "forecast [TEAM]", "month-end forecast against budget"},
      {"approvals", "approvals [mine]", "approval requests waiting for a decision"},
      {"approve", "approve ID", "approve a request"},
      {"reject", "reject ID [REASON]", "reject a request, with a reason"},
      {"request", "request ticket FINDING_ID", "open a ticket for a finding (goes through approval)"},
      {"subscribe", "subscribe PERSONA", "get alerts and digests written for a persona"},
      {"unsubscribe", "unsubscribe [PERSONA]", "stop them (all, or one persona)"},
  };
  return all;
}

const CommandInfo* find_command(std::string_view name) {
  for (const auto& c : catalogue())
    if (c.name == name) return &c;
  return nullptr;
}

std::optional<std::string> parse_period_words(const std::vector<std::string>& words, std::size_t i,
                                              std::size_t& consumed) {
  if (i >= words.size()) return std::nullopt;
  const auto& first = words[i];
  auto canonical = [](const std::string& w) -> std::optional<std::string> {
    if (query::looks_like_period(w)) return w == "lastmonth" || w == "previous-month" ? "last-month" : w;
    return std::nullopt;
  };
  // "last 7d", "past 30d", "last 7 days", "last 2 weeks", "last month", "last week", "this month"
  if (first == "last" || first == "past" || first == "this" || first == "the") {
    if (i + 1 >= words.size()) return std::nullopt;
    const auto& second = words[i + 1];
    if (first == "this") {
      if (second == "month") return consumed = 2, std::string("mtd");
      return std::nullopt;
    }
    if (second == "month") return consumed = 2, std::string(first == "past" ? "30d" : "last-month");
    if (second == "week") return consumed = 2, std::string("7d");
    if (second == "day" || second == "24h") return consumed = 2, std::string("1d");
    if (auto n = text::parse_int(second); n && *n > 0 && second.find_first_not_of("0123456789") == std::string::npos) {
      if (i + 2 < words.size()) {
        const auto& unit = words[i + 2];
        if (unit == "days" || unit == "day" || unit == "d") return consumed = 3, std::to_string(*n) + "d";
        if (unit == "weeks" || unit == "week" || unit == "w") return consumed = 3, std::to_string(*n * 7) + "d";
      }
      return std::nullopt;
    }
    if (auto p = canonical(second); p && (second.back() == 'd' || second.back() == 'w'))
      return consumed = 2, *p;
    return std::nullopt;
  }
  if (first == "month-to-date" || first == "this-month") return consumed = 1, std::string("mtd");
  if (auto p = canonical(first)) return consumed = 1, *p;
  return std::nullopt;
}

ParseResult parse(std::string_view text) {
  ParseResult result;
  auto w = words_of(text);
  // Leading "/cost" typed into a DM, and a trailing "please", are common and harmless.
  if (!w.lower.empty() && w.lower[0].starts_with("/")) {
    w.original.erase(w.original.begin());
    w.lower.erase(w.lower.begin());
  }
  if (w.size() == 0) {
    result.command = Help{};
    return result;
  }
  const std::string& verb = w.lower[0];
  try {
    result.command = parse_words(w);
  } catch (const Failure& f) {
    result.error.message = f.message;
    if (find_command(verb) || verb == "?" || verb == "commands") {
      result.error.command = find_command(verb) ? verb : "help";
    } else {
      result.error.message = "unknown command \"" + w.original[0] + "\"";
      result.error.suggestion = suggest(verb);
    }
  }
  return result;
}

std::string_view name_of(const Command& command) {
  return std::visit(overloaded{
                        [](const Help&) { return "help"; },
                        [](const Top&) { return "top"; },
                        [](const TeamCost&) { return "team"; },
                        [](const Anomalies&) { return "anomalies"; },
                        [](const Budget&) { return "budget"; },
                        [](const Forecast&) { return "forecast"; },
                        [](const Approvals&) { return "approvals"; },
                        [](const Approve&) { return "approve"; },
                        [](const Reject&) { return "reject"; },
                        [](const RequestTicket&) { return "request"; },
                        [](const Subscribe&) { return "subscribe"; },
                        [](const Unsubscribe&) { return "unsubscribe"; },
                    },
                    command);
}

std::string to_text(const Command& command) {
  auto join = [](std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& p : parts)
      if (!p.empty()) out += (out.empty() ? "" : " ") + p;
    return out;
  };
  return std::visit(
      overloaded{
          [&](const Help& c) { return join({"help", c.topic}); },
          [&](const Top& c) {
            return join({"top", c.limit ? std::to_string(*c.limit) : "",
                         c.by ? "by " + std::string(query::name_of(*c.by)) : "", c.period});
          },
          [&](const TeamCost& c) { return join({"team", c.team, c.period}); },
          [&](const Anomalies& c) { return join({"anomalies", c.all ? "all" : "open", c.team}); },
          [&](const Budget& c) { return join({"budget", c.team}); },
          [&](const Forecast& c) { return join({"forecast", c.team}); },
          [&](const Approvals& c) { return join({"approvals", c.mine ? "mine" : ""}); },
          [&](const Approve& c) { return join({"approve", std::to_string(c.id)}); },
          [&](const Reject& c) { return join({"reject", std::to_string(c.id), c.reason}); },
          [&](const RequestTicket& c) { return join({"request ticket", std::to_string(c.finding_id)}); },
          [&](const Subscribe& c) { return join({"subscribe", c.persona}); },
          [&](const Unsubscribe& c) { return join({"unsubscribe", c.persona}); },
      },
      command);
}

}  // namespace costbot::commands
