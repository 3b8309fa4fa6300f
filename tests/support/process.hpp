#pragma once
// A child process running in the background (e.g. `costbot serve`), with its stderr captured to a
// file so a test can wait for a log line, send it a signal and collect its exit code.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace costbot::testing {

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log_path);
  ~ChildProcess();  // kills it if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string output() const;  // stdout + stderr so far
  // Waits until the output contains `text`; false on timeout or if the process exited first.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void signal(int sig);
  bool running();  // false once it has exited (then wait() returns at once)
  // The exit code (or 128 + signal) once it ended within the timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// "listening on http://127.0.0.1:PORT" in a log → PORT (0 when absent).
unsigned short port_from_log(const std::string& log);

}  // namespace costbot::testing
