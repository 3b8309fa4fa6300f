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

bool is_shareable_query(const Command& command) {
  return std::holds_alternative<Top>(command) || std::holds_alternative<TeamCost>(command) ||
         std::holds_alternative<Anomalies>(command) || std::holds_alternative<Budget>(command) ||
         std::holds_alternative<Forecast>(command);
}

namespace {
bool is_share_button(const chat::Button& b) { return b.verb == chat::ActionVerb::share; }
}  // namespace

chat::Reply private_answer(const Command& command, chat::Reply answer) {
  if (!is_shareable_query(command) || answer.visibility != chat::Visibility::in_channel) return answer;
  answer.visibility = chat::Visibility::ephemeral;
  answer.actions({chat::Button{"Share to channel", chat::ActionVerb::share,
                               std::string(kShareSubjectPrefix) + to_text(command), chat::ButtonStyle::plain,
                               std::nullopt}});
  return answer;
}

bool has_share_button(const chat::Reply& reply) {
  for (const auto& block : reply.blocks)
    if (const auto* actions = std::get_if<chat::ActionsBlock>(&block))
      for (const auto& b : actions->buttons)
        if (is_share_button(b)) return true;
  return false;
}

namespace {
chat::Reply without_share_button(chat::Reply answer) {
  for (auto it = answer.blocks.begin(); it != answer.blocks.end();) {
    if (auto* actions = std::get_if<chat::ActionsBlock>(&*it)) {
      std::erase_if(actions->buttons, is_share_button);
      if (actions->buttons.empty()) {
        it = answer.blocks.erase(it);
        continue;
      }
    }
    ++it;
  }
  return answer;
}
}  // namespace

chat::Reply shared_answer(chat::Reply answer, const std::string& shared_by) {
  answer = without_share_button(std::move(answer));
  answer.context("Shared by " + (shared_by.empty() ? std::string("someone") : shared_by));
  answer.visibility = chat::Visibility::in_channel;
  return answer;
}

chat::Reply direct_answer(chat::Reply answer) {
  if (!has_share_button(answer)) return answer;
  answer = without_share_button(std::move(answer));
  answer.visibility = chat::Visibility::in_channel;
  return answer;
}

}  // namespace costbot::commands
