#pragma once
// Configuration problems, each with the path of its key ("teams[2].budget.monthly: expected a
// number"). Kept apart from the YAML reader so that code which only loads or checks a config does
// not parse yaml-cpp's headers.
#include <string>
#include <utility>
#include <vector>

namespace costbot::config {

struct Issue {
  std::string path;
  std::string message;
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

class Issues {
 public:
  void add(std::string path, std::string message) { list_.push_back({std::move(path), std::move(message)}); }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Issue>& all() const { return list_; }
  std::string to_string() const;  // one issue per line

 private:
  std::vector<Issue> list_;
};

}  // namespace costbot::config
