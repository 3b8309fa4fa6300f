// Fuzzes what costbot reads from AWS answers it does not control: ListObjectsV2 pages, AWS error
// documents, STS answers, Data Exports / legacy CUR manifests, the delivery planning over a
// listing, and Cost Explorer GetCostAndUsage pages. Any bytes must give a result or a costbot::Error, never a crash, a hang or a sanitizer
// report. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/aws/aws_xml.hpp"
#include "adapters/aws/cost_explorer.hpp"
#include "adapters/aws/data_exports.hpp"
#include "engine/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 6) {
      case 0: costbot::aws::parse_list_objects_v2(input, true); break;
      case 1: costbot::aws::parse_aws_error(input); break;
      case 2: costbot::aws::parse_sts_credentials(input); break;
      case 3: costbot::aws::parse_export_manifest(std::string(input), "billing", "cur/metadata/m-Manifest.json"); break;
      case 4: {
        // A listing (keys one per line) whose manifests all read as the rest of the input.
        std::vector<costbot::aws::S3ObjectEntry> objects;
        std::string text(input);
        auto split = text.find('\0');
        std::string keys = text.substr(0, split);
        std::string manifest = split == std::string::npos ? std::string() : text.substr(split + 1);
        std::size_t start = 0;
        while (start <= keys.size() && objects.size() < 64) {
          auto end = keys.find('\n', start);
          if (end == std::string::npos) end = keys.size();
          objects.push_back({keys.substr(start, end - start), "etag", "2024-09-01T00:00:00Z", 1});
          start = end + 1;
        }
        costbot::aws::plan_export_deliveries("billing", objects, costbot::ingest::SourceType::cur,
                                             [&](const std::string&) { return manifest; });
        break;
      }
      case 5: costbot::aws::parse_cost_and_usage(input); break;
    }
  } catch (const costbot::Error&) {
  }
  return 0;
}
