// Fuzzes the form decoder (slash commands, interactions) and the slash-command parser on top of it.
// Property: any input either decodes or is rejected with costbot::Error; what decodes re-encodes
// and decodes to the same fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/http/form.hpp"
#include "adapters/slack/inbound.hpp"
#include "engine/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    auto fields = costbot::http::decode_form(input);
    auto again = costbot::http::decode_form(costbot::http::encode_form(fields));
    if (again != fields) __builtin_trap();
  } catch (const costbot::Error&) {
  }
  try {
    costbot::slack::parse_slash_command(input);
  } catch (const costbot::Error&) {
  }
  return 0;
}
