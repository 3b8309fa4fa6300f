// Fuzzes the streaming CSV reader and the readers behind it: any bytes (plain or gzip) must give
// records or a costbot::Error, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/config/config.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/ingest/normalizer.hpp"
#include "engine/ingest/record_reader.hpp"
#include "engine/util/error.hpp"

namespace {

const costbot::config::Config& fuzz_config() {
  static const costbot::config::Config config = [] {
    costbot::config::Config c;
    costbot::config::check_text(R"(
currency: {base: USD, rates: {EUR: 1.1}}
tags: {aliases: {team: [owner-team, squad], environment: [env]}}
attribution:
  - tag: team
    map: {x: y}
  - name_pattern: "*pay*"
    team: payments
  - team: shared
)",
                                &c);
    return c;
  }();
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    costbot::ingest::CsvReader csv(costbot::ingest::open_memory(bytes), "fuzz.csv");
    std::size_t total = 0;
    while (csv.next()) {
      for (const auto& f : csv.fields()) total += f.text.size() + f.missing();
      total += csv.raw().size() + static_cast<std::size_t>(csv.line());
    }
    if (total == 1) return 0;  // keeps the loop from being optimized away
  } catch (const costbot::Error&) {
  }
  for (auto type : {costbot::ingest::SourceType::focus, costbot::ingest::SourceType::gcp}) {
    try {
      auto reader = costbot::ingest::open_cost_reader(type, costbot::ingest::open_memory(bytes), "fuzz.csv");
      costbot::ingest::Normalizer normalizer(fuzz_config());
      costbot::ingest::Normalized normalized;
      std::string error;
      while (reader->next()) {
        if (!reader->error().empty()) continue;
        auto record = reader->record();
        normalizer.apply(record, normalized, error);
      }
    } catch (const costbot::Error&) {
    }
  }
  return 0;
}
