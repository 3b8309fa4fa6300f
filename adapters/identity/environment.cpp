#include "adapters/identity/environment.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/util/error.hpp"

namespace costbot::identity {

Environment process_environment() {
  return [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v ? std::string(v) : std::string();
  };
}

std::string read_credential_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_input("cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (bytes.str().size() > (1 << 20)) throw invalid_input(what + " " + path + " is larger than 1 MiB");
  return bytes.str();
}

}  // namespace costbot::identity
