#pragma once
// Where an export lives in Blob storage, and the credentials a storage account gives:
//   https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH/   (any cloud's suffix: core.usgovcloudapi.net,
//                                                          core.chinacloudapi.cn, private endpoints)
//   http://127.0.0.1:10000/ACCOUNT/CONTAINER/PATH/          path-style (IP or localhost hosts: Azurite)
//   ...?sv=...&sig=...                                      a SAS token in the URL's query
// and storage connection strings (AZURE_STORAGE_CONNECTION_STRING):
//   DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net
//   BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=...
//   UseDevelopmentStorage=true   (Azurite's well-known account on 127.0.0.1:10000)
#include <string>
#include <string_view>

namespace costbot::azure {

struct BlobLocation {
  std::string service_url;  // https://a.blob.core.windows.net, or http://127.0.0.1:10000/devstoreaccount1
  std::string account;
  std::string container;
  std::string prefix;       // "" or ends with '/' unless it names a blob prefix on purpose
  std::string sas;          // the query of a SAS URL, without '?'
  std::string display() const;  // https://a.blob.core.windows.net/container/prefix (no SAS)
};

// Throws Error(invalid_input) naming what is wrong (no container, not a blob URL).
BlobLocation parse_blob_url(std::string_view url);

struct StorageConnectionString {
  std::string account;
  std::string account_key;  // base64
  std::string sas;
  std::string blob_endpoint;  // service URL (explicit, or built from protocol + account + suffix)
};
// Throws Error(invalid_input) naming the missing part; never echoes the key.
StorageConnectionString parse_storage_connection_string(std::string_view text);

// Azurite's documented development account and key (public, the same for every Azurite).
constexpr const char* kDevelopmentAccount = "devstoreaccount1";
constexpr const char* kDevelopmentKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

}  // namespace costbot::azure
