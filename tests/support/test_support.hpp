#pragma once
// Helpers shared by the test suites.
#include <filesystem>
#include <string>
#include <vector>

namespace costbot::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `content` to `name` inside the dir and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program with arguments (no shell), capturing stdout and stderr. `env` entries are
// "NAME=value" added to the environment.
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
// Runs the built costbot binary.
RunResult run_costbot(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

std::string read_file(const std::string& path);
std::string source_path(const std::string& relative);  // path inside the repository
std::string shared_path(const std::string& relative);   // path inside ../shared
std::string build_path(const std::string& relative);    // path inside the build tree
std::string costbot_binary();

}  // namespace costbot::testing
