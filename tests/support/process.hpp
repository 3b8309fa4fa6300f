#pragma once
// A child process the test controls while it runs (testing::run waits for completion instead):
// start it, watch it, kill it.
#include <sys/types.h>

#include <string>
#include <vector>

namespace costbot::testing {

class ChildProcess {
 public:
  // Starts argv[0] (PATH is searched) with stdout and stderr sent to `output_file` ("" = /dev/null).
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& output_file = "");
  ~ChildProcess();  // kills and reaps the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();                // false once it has exited (then exit_status() is valid)
  int kill_and_wait(int signal);  // returns the wait status
  int wait();                     // waits for exit; returns the wait status
  int exit_status() const { return status_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace costbot::testing
