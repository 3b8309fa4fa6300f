#pragma once
// Azurite, Microsoft's Azure Storage emulator (npm `azurite`, tests/emulators), for the Blob tests.
// Under ctest the fixture `cloud_emulators` (tests/scripts/cloud_emulators.py) has started one for
// every test and recorded its URL in the build tree; a test binary run by hand starts its own
// (once per process) and stops it at exit. Azurite verifies Shared Key signatures itself, so a
// request signed wrongly is refused by the emulator, not by test code.
//
// Seeding (create a container, put and delete blobs) is signed with the account key through the
// same HTTP client, and Azurite checks those signatures too.
#include <memory>
#include <string>

#include "adapters/http/client.hpp"

namespace costbot::testing {

class Azurite {
 public:
  static Azurite& shared();

  // http://127.0.0.1:PORT/devstoreaccount1 (path-style: the account is the first path segment).
  std::string blob_endpoint() const;
  std::string account() const;
  std::string key() const;
  // A container name no other test uses ("t" + random hex).
  std::string new_container();

  void create_container(const std::string& container);
  void put_blob(const std::string& container, const std::string& name, const std::string& bytes);
  void delete_blob(const std::string& container, const std::string& name);

  ~Azurite();

 private:
  Azurite();
  void request(const std::string& method, const std::string& container, const std::string& blob,
               const std::string& query, const std::string& body, const std::string& what);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace costbot::testing
