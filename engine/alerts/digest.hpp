#pragma once
// Daily and weekly digests per persona: the largest cost changes in the persona's scope, its open
// incidents (filtered the way its alerts are: kinds, minimum severity, teams) and budget pace.
// A persona gets the daily digest when its frequency is daily_digest or `digests` lists daily
// (weekly likewise). Sent once per persona, period and day; quiet hours delay it (the outbox
// holds it until they end).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

// The template context of `persona`'s digest for `period` ("daily" or "weekly") as of `now`.
boost::json::object digest_context(storage::Database& db, const config::Config& config, const config::PersonaConfig& persona,
                                   const std::string& period, UnixSeconds now);

struct DigestReport {
  int personas = 0;  // digests built
  int messages = 0;  // messages queued (one per target)
  int skipped = 0;   // already sent today
  std::vector<std::string> lines;
};

// Builds and queues every persona's digest for `period` in one write transaction. `only`: one persona.
DigestReport send_digests(storage::Database& db, const config::Config& config, const render::Templates& templates,
                          const std::string& period, UnixSeconds now, const std::string& only = {});

}  // namespace costbot::alerts
