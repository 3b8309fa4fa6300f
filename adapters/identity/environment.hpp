#pragma once
// Reading the environment variables the vendors' SDKs read (AZURE_*, GOOGLE_APPLICATION_CREDENTIALS,
// ...), through a function so tests can hand in their own environment without setenv.
#include <functional>
#include <string>

namespace costbot::identity {

// The variable's value, "" when unset.
using Environment = std::function<std::string(const std::string& name)>;
Environment process_environment();

// Reads a whole (small) file: a federated token, a key file. Throws Error(invalid_input) naming
// `what` and the path when it cannot be read.
std::string read_credential_file(const std::string& path, const std::string& what);

}  // namespace costbot::identity
