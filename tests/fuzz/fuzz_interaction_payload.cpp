// Fuzzes the Slack interaction parser (block_actions / view_submission JSON) and the Events API
// envelope parser: malformed input must end in costbot::Error, never a crash or another exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/slack/inbound.hpp"
#include "engine/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    auto interaction = costbot::slack::parse_interaction_payload(input);
    for (const auto& action : interaction.actions)
      if (action.subject.empty() || action.actor.user_id.empty()) __builtin_trap();
  } catch (const costbot::Error&) {
  }
  try {
    auto envelope = costbot::slack::parse_event_envelope(input);
    costbot::slack::message_for_bot(envelope.event);
  } catch (const costbot::Error&) {
  }
  return 0;
}
