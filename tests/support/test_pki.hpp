#pragma once
// A throwaway certificate authority and server certificate, made at test time with OpenSSL, so
// the HTTPS client's real verification (chain, host name, IP) is exercised against loopback fakes.
#include <string>
#include <vector>

namespace costbot::testing {

struct TestPki {
  std::string ca_cert_pem;
  std::string server_cert_pem;  // signed by the CA
  std::string server_key_pem;
};

// A CA and a server certificate whose subjectAltName lists `dns_names` and `ip_addresses`.
TestPki make_test_pki(const std::vector<std::string>& dns_names = {"localhost"},
                      const std::vector<std::string>& ip_addresses = {"127.0.0.1"});

}  // namespace costbot::testing
