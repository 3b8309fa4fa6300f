// Fuzzes the config loader: any bytes must give a Config or a list of issues with key paths,
// never a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  costbot::config::Config config;
  auto issues = costbot::config::check_text(text, &config);
  for (const auto& issue : issues.all()) {
    if (issue.to_string().empty()) __builtin_trap();  // every issue says something
  }
  return 0;
}
