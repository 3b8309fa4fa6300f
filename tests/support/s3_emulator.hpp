#pragma once
// s3rver (npm, the S3 emulator) with a temp data dir, fronted by tests/aws/s3_verifying_proxy.mjs,
// which recomputes every request's SigV4 signature with @smithy/signature-v4 and refuses a
// mismatch. Both listen on 127.0.0.1 ports picked by the OS. The npm packages are installed by
// name (npm ci in tests/aws) on first use.
#include <memory>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {

class S3Emulator {
 public:
  // Accepts requests signed with access key `access_key_id` and `secret` in `region`.
  explicit S3Emulator(std::string bucket = "billing", std::string access_key_id = "AKIDCOSTBOTTEST",
                      std::string secret = "costbot/test+secret", std::string region = "us-east-1");
  ~S3Emulator();

  std::string endpoint() const;         // http://127.0.0.1:PROXY (what costbot talks to)
  std::string s3rver_endpoint() const;  // http://127.0.0.1:S3RVER (seeding only)
  const std::string& bucket() const { return bucket_; }
  const std::string& access_key_id() const { return access_key_id_; }
  const std::string& secret() const { return secret_; }

  // Writes an object straight into s3rver (unsigned, not through the checking proxy).
  void put(const std::string& key, const std::string& bytes);
  void remove(const std::string& key);
  // POST /__faults (see the script's header), e.g. R"({"deny":"part-1"})"; "{}" clears.
  void faults(const std::string& json);
  std::string stats();  // GET /__stats, JSON

 private:
  std::string bucket_, access_key_id_, secret_, region_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  unsigned short proxy_port_ = 0, s3rver_port_ = 0;
};

}  // namespace costbot::testing
