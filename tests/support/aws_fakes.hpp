#pragma once
// Loopback stand-ins for the AWS endpoints there is no emulator for (tests/aws/aws_service_fakes.mjs):
// STS (AssumeRole with its SigV4 recomputed by @smithy/signature-v4, AssumeRoleWithWebIdentity),
// EC2 instance metadata (IMDSv2), container credentials and Cost Explorer, in one node process on
// a free loopback port. The npm packages are installed by name (npm ci in tests/aws) on first use.
#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {

// npm ci in tests/aws once per checkout (a file lock serializes parallel test processes).
void install_aws_test_tools();
std::string aws_test_tools_dir();

struct AwsTestKey {
  std::string access_key_id, secret, principal_arn;
};

class AwsServiceFakes {
 public:
  // Long-term keys the fakes accept (sessions they issue are accepted too, until they expire).
  explicit AwsServiceFakes(std::vector<AwsTestKey> keys = {{"AKIDCOSTBOTBASE", "base/secret+key",
                                                            "arn:aws:iam::111122223333:user/costbot"}});
  ~AwsServiceFakes();

  std::string endpoint() const;  // http://127.0.0.1:PORT
  // Merged into the fakes' configuration (see the script's header), e.g.
  // R"({"roles": {"arn:aws:iam::1:role/r": {"external_id": "acme"}}})"; {"reset": true} first clears it.
  void configure(const std::string& json);
  void expire_sessions();       // every session issued so far answers ExpiredToken from now on
  boost::json::object stats();  // call counts and what was seen

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  unsigned short port_ = 0;
};

// Sets (or, with nullptr, unsets) environment variables while it lives; restores them after.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  void set(const std::string& name, const char* value);
  void set(const std::string& name, const std::string& value) { set(name, value.c_str()); }
  // Every AWS_* variable unset and HOME pointed at `home`: the credential chain sees only what a
  // test gives it (no real ~/.aws, no real instance metadata).
  void isolate_aws(const std::string& home);

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace costbot::testing
