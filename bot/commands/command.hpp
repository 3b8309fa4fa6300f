#pragma once
// The chat command grammar, once for every chat adapter (Slack slash commands and mentions, Teams
// messages, the web channel). parse() turns text into a typed Command or a ParseError that names
// the closest command, so a typo gets "did you mean" instead of an error page.
//
//   help [COMMAND]
//   top [N] [by service|team|account] [PERIOD]
//   team NAME [PERIOD]
//   anomalies [open|all] [TEAM]
//   budget [TEAM]
//   forecast [TEAM]
//   approvals [mine]
//   approve ID
//   reject ID [REASON]
//   request ticket FINDING_ID
//   subscribe PERSONA
//   unsubscribe [PERSONA]
//
// PERIOD: 7d, 30d, 4w, mtd, last-month, 2024-09, 2024-09-01..2024-09-15, today, yesterday, and the
// spoken forms "last 7d", "last 7 days", "past 2 weeks", "last month", "this month".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/query/costs.hpp"

namespace costbot::commands {

struct Help {
  std::string topic;  // a command name, or empty for all
};
struct Top {
  std::optional<int> limit;                // 1..50; default commands.top_default
  std::optional<query::Dimension> by;      // service, team or account; default service
  std::string period;                      // canonical period text ("7d"); empty = default
};
struct TeamCost {
  std::string team;
  std::string period;
};
struct Anomalies {
  bool all = false;  // false: open ones only
  std::string team;
};
struct Budget {
  std::string team;
};
struct Forecast {
  std::string team;
};
struct Approvals {
  bool mine = false;
};
struct Approve {
  std::int64_t id = 0;
};
struct Reject {
  std::int64_t id = 0;
  std::string reason;  // as typed
};
struct RequestTicket {
  std::int64_t finding_id = 0;
};
struct Subscribe {
  std::string persona;
};
struct Unsubscribe {
  std::string persona;  // empty = every persona
};

using Command = std::variant<Help, Top, TeamCost, Anomalies, Budget, Forecast, Approvals, Approve, Reject,
                             RequestTicket, Subscribe, Unsubscribe>;

// "top", "team", "request", ... (the first word of the command).
std::string_view name_of(const Command& command);
// The canonical text of a command ("top 5 by service 7d"); parse(to_text(c)) gives c back.
std::string to_text(const Command& command);

struct CommandInfo {
  std::string name;
  std::string usage;    // "top [N] [by service|team|account] [PERIOD]"
  std::string summary;  // one line
};
const std::vector<CommandInfo>& catalogue();
const CommandInfo* find_command(std::string_view name);

struct ParseError {
  std::string message;     // what was wrong, for people
  std::string command;     // the command it was about, when the first word was one
  std::string suggestion;  // the closest command when the first word was not one
};

struct ParseResult {
  std::optional<Command> command;
  ParseError error;
  bool ok() const { return command.has_value(); }
};

// Never throws; any text (including invalid UTF-8 and control characters) gives a result.
ParseResult parse(std::string_view text);

// "last 7 days" → "7d", "this month" → "mtd"; nullopt when the words at `words[i]` are no period.
// `consumed` gets how many words the period used.
std::optional<std::string> parse_period_words(const std::vector<std::string>& words, std::size_t i,
                                              std::size_t& consumed);

}  // namespace costbot::commands
