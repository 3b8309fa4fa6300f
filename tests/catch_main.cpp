// Catch2's runner, compiled once and linked into every suite (it is the slowest file to compile).
// Every case also carries its file as a tag (`[#test_x]`, Catch's -#): ctest runs most suites file
// by file (tests/CMakeLists.txt says why), and `costbot_unit_tests "[#test_x]"` picks one file's cases.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "engine/util/lsan_suppressions.hpp"

int main(int argc, char* argv[]) {
  Catch::Session session;
  session.configData().filenamesAsTags = true;
  if (int bad_command_line = session.applyCommandLine(argc, argv); bad_command_line != 0) return bad_command_line;
  return session.run();
}
