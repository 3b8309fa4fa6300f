// Fuzzes the chat command grammar. Properties: parse never throws; a parsed command's canonical
// text parses again to the same canonical text; an error always carries a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bot/commands/command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = costbot::commands::parse(input);
  if (!parsed.ok()) {
    if (parsed.error.message.empty()) __builtin_trap();
    return 0;
  }
  auto text = costbot::commands::to_text(*parsed.command);
  auto again = costbot::commands::parse(text);
  if (!again.ok() || costbot::commands::to_text(*again.command) != text) __builtin_trap();
  return 0;
}
