#include "tests/support/messages_support.hpp"

#include <stdexcept>

#include "adapters/email/message_render.hpp"
#include "adapters/slack/message_render.hpp"
#include "adapters/teams/message_render.hpp"
#include "bot/web/web_feed.hpp"
#include "engine/messages/copies.hpp"
#include "engine/outbox/outbox.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {
namespace json = boost::json;

namespace {
const render::Templates& repository_templates() {
  static const render::Templates templates(source_path("templates"));
  return templates;
}
bool kind_is(const OutboxRow& row, std::string_view verb) { return row.kind.ends_with(verb); }
}  // namespace

messages::Message message_of(const OutboxRow& row) {
  if (row.kind == "email.send") return messages::effect_from<messages::Email>(row.payload).message;
  if (kind_is(row, ".post")) return messages::effect_from<messages::ChatPost>(row.payload).message;
  if (kind_is(row, ".update")) return messages::effect_from<messages::ChatUpdate>(row.payload).message;
  if (kind_is(row, ".reply")) return messages::reply_message("", messages::effect_from<messages::ChatReply>(row.payload).reply);
  throw std::runtime_error("outbox row " + row.key + " (" + row.kind + ") carries no message");
}

messages::Address address_of(const OutboxRow& row) {
  if (kind_is(row, ".post")) return messages::effect_from<messages::ChatPost>(row.payload).to;
  if (kind_is(row, ".update")) return messages::effect_from<messages::ChatUpdate>(row.payload).to;
  throw std::runtime_error("outbox row " + row.key + " (" + row.kind + ") has no address");
}

json::object rendered(const OutboxRow& row) {
  const auto& templates = repository_templates();
  if (row.kind == "email.send") {
    auto m = email::render_email(templates, messages::effect_from<messages::Email>(row.payload));
    return {{"subject", m.subject}, {"text", m.text}};
  }
  auto message = message_of(row);
  if (row.kind.starts_with("slack.")) return slack::render_body(templates, message);
  if (row.kind.starts_with("teams.")) return teams::render_message_activity(templates, message, kind_is(row, ".update"));
  if (row.kind.starts_with("web.")) return web::to_json(web::render_post(templates, address_of(row).target, message));
  throw std::runtime_error("no renderer for " + row.kind);
}

std::string rendered_text(const OutboxRow& row) { return json::serialize(rendered(row)); }

void land(storage::Database& db, const std::string& post_key, const std::string& conversation, const std::string& message_id,
          const std::string& service_url, UnixSeconds now) {
  messages::CopyStore copies(db);
  auto copy = copies.find_by_post_key(post_key);
  if (!copy) throw std::runtime_error("no copy was planned for the post " + post_key);
  SQLite::Statement q(db.sql(), "SELECT id, payload FROM outbox WHERE idempotency_key = ?");
  q.bind(1, post_key);
  if (!q.executeStep()) throw std::runtime_error("no outbox row " + post_key);
  auto id = q.getColumn(0).getInt64();
  auto post = messages::effect_from<messages::ChatPost>(json::parse(q.getColumn(1).getString()).as_object());
  q.reset();
  copies.landed(copy->id, conversation, message_id, service_url, post.message.version, now);
  outbox::complete(db, id, json::object{{"channel", conversation}, {"ts", message_id}}, now);
}

}  // namespace costbot::testing
