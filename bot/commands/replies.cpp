#include "bot/commands/replies.hpp"

namespace costbot::commands {

chat::Reply working_on(const Command& command) {
  chat::Reply r;
  r.text("\xE2\x8F\xB3 Working on `" + to_text(command) + "`, the answer follows here.");
  r.fallback = "Working on it";
  return r;
}

chat::Reply failure(const std::string& request_id) {
  chat::Reply r;
  r.text("Sorry, that failed on our side. Request id: `" + request_id + "`.");
  r.fallback = "Sorry, that failed";
  return r;
}

}  // namespace costbot::commands
