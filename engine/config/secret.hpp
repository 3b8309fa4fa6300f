#pragma once
// A credential read from the environment or a file named by the config. It has no stream operator
// and no formatter on purpose: the only way to the value is reveal(), and every loaded secret is
// registered with the log redactor.
#include <string>

namespace costbot::config {

class Secret {
 public:
  Secret() = default;
  Secret(std::string value, std::string source) : value_(std::move(value)), source_(std::move(source)) {}
  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }
  // Where it came from ("env SLACK_SIGNING_SECRET", "file /run/secrets/jira"), never the value.
  const std::string& source() const { return source_; }

 private:
  std::string value_;
  std::string source_;
};

}  // namespace costbot::config
