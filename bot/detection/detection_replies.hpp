#pragma once
// The chat answers of the detection commands, as channel-neutral replies (each chat adapter draws
// them): what is open (anomalies and waste, by incident), where each budget stands, and where the
// month is heading. Pure over the database: the figures are the detection engine's own
// (FindingStore, budget_status, forecast_month), formatted for people.
#include <string>

#include "bot/commands/command.hpp"
#include "engine/chat/reply.hpp"
#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::detection_chat {

struct ReplyContext {
  storage::Database& db;
  const config::Config& config;
  Day today{};
  std::string command_prefix = "/cost";  // how replies write commands
};

chat::Reply anomalies_reply(const ReplyContext& ctx, const commands::Anomalies& command);
chat::Reply budget_reply(const ReplyContext& ctx, const commands::Budget& command);
chat::Reply forecast_reply(const ReplyContext& ctx, const commands::Forecast& command);

// The most rows a reply lists (chat messages stay readable; the CLI lists everything).
inline constexpr std::size_t kMaxRows = 10;

}  // namespace costbot::detection_chat
