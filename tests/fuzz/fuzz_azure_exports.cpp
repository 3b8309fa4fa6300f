// Fuzzes what costbot reads from an Azure storage account it does not control: List Blobs pages,
// Cost Management export manifests, and the plan of what to ingest per billing period over a
// listing and its manifests. Any bytes must give a result or a costbot::Error, never a crash, a
// hang or a sanitizer report. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/azure/blob_client.hpp"
#include "adapters/azure/export_manifest.hpp"
#include "engine/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace costbot::azure;
  try {
    switch (data[0] % 3) {
      case 0: parse_blob_listing(input); break;
      case 1: parse_export_manifest(input, "exports/manifest.json"); break;
      case 2: {
        // Blob names one per line, then '\0' and a manifest that every manifest blob reads as.
        std::string text(input);
        auto split = text.find('\0');
        std::string names = text.substr(0, split);
        std::string manifest_text = split == std::string::npos ? std::string() : text.substr(split + 1);
        std::vector<BlobItem> listing;
        std::vector<ManifestAt> manifests;
        std::size_t start = 0;
        while (start <= names.size() && listing.size() < 64) {
          auto end = names.find('\n', start);
          if (end == std::string::npos) end = names.size();
          BlobItem b{names.substr(start, end - start), "0x1", static_cast<std::int64_t>(listing.size()), 1717200000};
          listing.push_back(b);
          if (is_manifest_blob(b.name)) {
            try {
              manifests.push_back({b, parse_export_manifest(manifest_text, b.name)});
            } catch (const costbot::Error&) {
            }
          }
          start = end + 1;
        }
        for (auto choice : {DatasetChoice::automatic, DatasetChoice::focus}) plan_export_periods(listing, manifests, choice);
        break;
      }
    }
  } catch (const costbot::Error&) {
  }
  return 0;
}
