// `web:` — the local web channel (bot/web).
#include "engine/config/sections.hpp"

namespace costbot::config {

void read_web_section(Reader& root, Config& config) {
  auto r = root.section("web");
  auto& c = config.web;
  r.choice("access", c.access, {"local", "open", "off"});
  if (r.integer("poll_ms", c.poll_ms) && (c.poll_ms < 500 || c.poll_ms > 600000))
    r.error("poll_ms", "must be 500..600000 milliseconds");
  r.finish();
}

}  // namespace costbot::config
