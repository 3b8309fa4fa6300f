// Fuzzes the Teams activity parser, the mention stripper and the card-click extraction (invokes,
// Action.Submit data, the approval cards' form): malformed input must end in costbot::Error, never
// a crash or another exception; a click that comes out must be complete.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/teams/activity.hpp"
#include "engine/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  costbot::teams::strip_mentions(input);
  try {
    auto activity = costbot::teams::parse_activity(input);
    if (activity.type.empty() || activity.service_url.empty() || activity.conversation.id.empty()) __builtin_trap();
    costbot::teams::strip_mentions(activity.text);
    activity.is_text_message();
    activity.bot_added();
    activity.bot_removed();
    if (auto click = costbot::teams::card_action(activity)) {
      if (click->action.subject.empty() || click->action.actor.platform != "teams") __builtin_trap();
      if (click->action.reason.size() > 2000) __builtin_trap();
    }
  } catch (const costbot::Error&) {
  }
  try {
    auto lenient = costbot::teams::parse_activity(input, /*strict=*/false);
    if (lenient.type.empty()) __builtin_trap();
  } catch (const costbot::Error&) {
  }
  return 0;
}
