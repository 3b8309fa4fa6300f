#include "engine/ingest/cost_record.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {

std::string_view name_of(SourceType type) {
  switch (type) {
    case SourceType::focus: return "focus";
    case SourceType::cur: return "cur";
    case SourceType::azure: return "azure";
    case SourceType::gcp: return "gcp";
    case SourceType::usage: return "usage";
  }
  return "unknown";
}

std::optional<SourceType> parse_source_type(std::string_view name) {
  std::string n = text::to_lower(text::trim(name));
  for (auto t : {SourceType::focus, SourceType::cur, SourceType::azure, SourceType::gcp, SourceType::usage})
    if (n == name_of(t)) return t;
  return std::nullopt;
}

const char* valid_source_types() { return "focus, cur, azure, gcp, usage"; }

}  // namespace costbot::ingest
