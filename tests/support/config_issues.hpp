#pragma once
// Config checks in tests: the issues `config::check_text` finds, one "path: message" string each.
#include <string>
#include <vector>

namespace costbot::testing {

std::vector<std::string> config_issues(const std::string& yaml);

}  // namespace costbot::testing
