#include "bot/teams/conversations.hpp"

#include "engine/util/error.hpp"

namespace costbot::teams_app {
namespace {

constexpr const char* kColumns =
    "conversation_id, service_url, tenant_id, conversation_type, name, team_id, team_name, channel_id, bot_id, "
    "user_id, user_name, installed, first_seen, last_seen, last_activity";

ConversationRef read(SQLite::Statement& q) {
  ConversationRef r;
  r.conversation_id = q.getColumn(0).getString();
  r.service_url = q.getColumn(1).getString();
  r.tenant_id = q.getColumn(2).getString();
  r.conversation_type = q.getColumn(3).getString();
  r.name = q.getColumn(4).getString();
  r.team_id = q.getColumn(5).getString();
  r.team_name = q.getColumn(6).getString();
  r.channel_id = q.getColumn(7).getString();
  r.bot_id = q.getColumn(8).getString();
  r.user_id = q.getColumn(9).getString();
  r.user_name = q.getColumn(10).getString();
  r.installed = q.getColumn(11).getInt() != 0;
  r.first_seen = q.getColumn(12).getInt64();
  r.last_seen = q.getColumn(13).getInt64();
  r.last_activity = q.getColumn(14).getString();
  return r;
}

}  // namespace

void remember(storage::Database& db, const teams::Activity& a, UnixSeconds now) {
  // Names only overwrite when Teams sent one (most activities carry none); a person's name only
  // comes from what people write, not from the bot's own events.
  bool person = a.type == "message" || a.type == "invoke";
  int installed = a.bot_removed() ? 0 : 1;
  std::string name = a.conversation.name.empty() ? a.channel_name : a.conversation.name;
  SQLite::Statement q(db.sql(),
                      "INSERT INTO teams_conversations(conversation_id, service_url, tenant_id, conversation_type, name, "
                      "team_id, team_name, channel_id, bot_id, user_id, user_name, installed, first_seen, last_seen, "
                      "last_activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT(conversation_id) DO UPDATE SET service_url = excluded.service_url, "
                      "tenant_id = CASE WHEN excluded.tenant_id <> '' THEN excluded.tenant_id ELSE tenant_id END, "
                      "conversation_type = CASE WHEN excluded.conversation_type <> '' THEN excluded.conversation_type "
                      "ELSE conversation_type END, "
                      "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END, "
                      "team_id = CASE WHEN excluded.team_id <> '' THEN excluded.team_id ELSE team_id END, "
                      "team_name = CASE WHEN excluded.team_name <> '' THEN excluded.team_name ELSE team_name END, "
                      "channel_id = CASE WHEN excluded.channel_id <> '' THEN excluded.channel_id ELSE channel_id END, "
                      "bot_id = CASE WHEN excluded.bot_id <> '' THEN excluded.bot_id ELSE bot_id END, "
                      "user_id = CASE WHEN excluded.user_id <> '' THEN excluded.user_id ELSE user_id END, "
                      "user_name = CASE WHEN excluded.user_name <> '' THEN excluded.user_name ELSE user_name END, "
                      "installed = CASE WHEN excluded.last_activity IN ('installationUpdate', 'conversationUpdate') "
                      "THEN excluded.installed ELSE 1 END, "
                      "last_seen = excluded.last_seen, last_activity = excluded.last_activity");
  q.bind(1, teams::base_conversation_id(a.conversation.id));  // one row per channel, not per thread
  q.bind(2, a.service_url);
  q.bind(3, a.tenant_id);
  q.bind(4, a.conversation.conversation_type);
  q.bind(5, name);
  q.bind(6, a.team_id);
  q.bind(7, a.team_name);
  q.bind(8, a.channel_data_channel_id);
  q.bind(9, a.recipient.id);
  q.bind(10, person ? a.from.id : std::string());
  q.bind(11, person ? a.from.name : std::string());
  q.bind(12, installed);
  q.bind(13, static_cast<std::int64_t>(now));
  q.bind(14, static_cast<std::int64_t>(now));
  q.bind(15, a.type);
  q.exec();
}

std::optional<ConversationRef> find(storage::Database& db, const std::string& conversation_id) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kColumns + " FROM teams_conversations WHERE conversation_id = ?");
  q.bind(1, conversation_id);
  if (!q.executeStep()) return std::nullopt;
  return read(q);
}

std::vector<ConversationRef> list(storage::Database& db) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kColumns + " FROM teams_conversations ORDER BY last_seen DESC");
  std::vector<ConversationRef> out;
  while (q.executeStep()) out.push_back(read(q));
  return out;
}

Destination resolve(storage::Database& db, const config::MsTeamsConfig& config, const std::string& reference,
                    const std::string& service_url_hint) {
  Destination d;
  if (reference.starts_with("webhook:")) {
    d.webhook = true;
    d.webhook_name = reference.substr(8);
    if (!config.find_incoming_webhook(d.webhook_name))
      throw invalid_input("no msteams.incoming_webhooks entry named \"" + d.webhook_name + "\"");
    return d;
  }
  std::string configured_url;
  d.conversation_id = reference;
  if (const auto* named = config.find_conversation(reference)) {
    d.conversation_id = named->id;
    configured_url = named->service_url;
  } else {
    for (const auto& c : config.conversations)
      if (c.id == reference) configured_url = c.service_url;
  }
  if (d.conversation_id.empty()) throw invalid_input("the Teams effect names no conversation");
  d.service_url = service_url_hint;
  if (d.service_url.empty())
    if (auto captured = find(db, teams::base_conversation_id(d.conversation_id))) d.service_url = captured->service_url;
  if (d.service_url.empty()) d.service_url = configured_url;
  if (d.service_url.empty()) d.service_url = config.default_service_url;
  return d;
}

}  // namespace costbot::teams_app
