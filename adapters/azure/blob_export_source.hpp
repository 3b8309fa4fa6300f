#pragma once
// Azure Cost Management exports in Blob storage as a remote source (engine/ingest/remote_source.hpp):
//   https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH/?settings    (type azure or focus)
//   azure-blob://CONTAINER/PATH/?connection_string_env=NAME            (the account from a connection string)
// The listing and manifests are planned by export_manifest.hpp (one delivery per billing period:
// the newest run of each export under the prefix); parts are read in ranges of chunk_kb (default 8192) with
// If-Match on the listed ETag, so an export rewritten during a run fails the period (kept as it
// was) instead of mixing two runs, and a broken read resumes at its byte.
//
// Credentials, first match wins:
//   a SAS in the URL, or in the variable named by sas_env (or AZURE_STORAGE_SAS_TOKEN);
//   an account key from account_key_env (or AZURE_STORAGE_KEY), or a connection string from
//     connection_string_env (or AZURE_STORAGE_CONNECTION_STRING, when it names this account);
//   else Microsoft Entra ID (adapters/identity): tenant_id, client_id, client_secret_env,
//     certificate_file, certificate_password_env, federated_token_file, managed_identity_client_id,
//     authority_host, credential=automatic|client_secret|client_certificate|workload_identity|managed_identity
//     — each falling back to the AZURE_* variables the Azure SDKs read.
// `auth=shared_key|sas|entra|anonymous` forces one. `dataset=auto|actual|amortized` chooses
// between actual and amortized cost exports of the same period (auto: amortized when both exist).
#include <map>
#include <memory>
#include <string>

#include "adapters/azure/blob_client.hpp"
#include "adapters/azure/export_manifest.hpp"
#include "adapters/identity/environment.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::identity {
class EntraCredential;
}

namespace costbot::azure {

class BlobExportSource final : public ingest::RemoteSource {
 public:
  BlobExportSource(ingest::RemoteLocation location, BlobLocation blob, std::unique_ptr<BlobClient> client,
                   std::unique_ptr<identity::EntraCredential> entra, DatasetChoice dataset, std::uint64_t chunk_bytes);
  ~BlobExportSource() override;

  std::string location() const override { return blob_.display(); }
  std::vector<ingest::Delivery> list() override;
  std::unique_ptr<ingest::ByteSource> open(const ingest::RemoteObject& part, std::uint64_t offset) override;
  std::vector<ingest::CheckStep> check() override;

  // The last list()'s notes: exports left out and why.
  const std::vector<std::string>& notes() const { return notes_; }
  const BlobClient& client() const { return *client_; }

 private:
  std::string blob_name_of(const std::string& key) const;

  ingest::RemoteLocation location_;
  BlobLocation blob_;
  std::unique_ptr<identity::EntraCredential> entra_;  // before client_: the client points at it
  std::unique_ptr<BlobClient> client_;
  DatasetChoice dataset_;
  std::uint64_t chunk_bytes_;
  std::vector<std::string> notes_;
  std::map<std::string, std::string> part_errors_;  // part key → why its period cannot be ingested
};

// The factory for https:// (and http:// path-style emulator) Blob URLs and azure-blob:// locations.
std::unique_ptr<ingest::RemoteSource> open_blob_export_source(const ingest::RemoteLocation& location, http::Client& client,
                                                              const Clock& clock,
                                                              const identity::Environment& env = identity::process_environment());

}  // namespace costbot::azure
