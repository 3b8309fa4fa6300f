#include "tests/support/config_issues.hpp"

#include "engine/config/config.hpp"

namespace costbot::testing {

std::vector<std::string> config_issues(const std::string& yaml) {
  std::vector<std::string> out;
  auto issues = config::check_text(yaml);  // kept alive: all() refers into it
  for (const auto& issue : issues.all()) out.push_back(issue.to_string());
  return out;
}

}  // namespace costbot::testing
