#include <set>

#include "engine/config/sections.hpp"

namespace costbot::config {

void read_ingest_section(Reader& root, Config& config) {
  auto ingest = root.section("ingest");
  std::set<std::string> names;
  ingest.list("sources", [&](Reader& r) {
    auto& source = config.ingest.sources.emplace_back();
    r.string("name", source.name, true);
    r.choice("type", source.type, {"focus", "cur", "azure", "gcp", "usage"}, true);
    r.strings("paths", source.paths, true);
    if (!source.name.empty() && !names.insert(source.name).second)
      r.error("name", "duplicate source name \"" + source.name + "\"");
  });
  ingest.integer("batch_rows", config.ingest.batch_rows);
  if (config.ingest.batch_rows < 1) ingest.error("batch_rows", "must be at least 1");
  ingest.finish();
}

}  // namespace costbot::config
