#include "bot/web/web_feed.hpp"

#include "engine/messages/style.hpp"
#include "engine/util/error.hpp"

namespace costbot::web {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxNotes = 20;  // a request that waits for weeks collects reminders

std::string string_field(const json::object& o, std::string_view key, bool required = false) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) throw invalid_input("web.post payload has no \"" + std::string(key) + "\"");
    return {};
  }
  if (!v->is_string()) throw invalid_input("web.post payload: \"" + std::string(key) + "\" must be a string");
  return std::string(v->as_string());
}

json::value parse_json(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const std::exception&) {
    return nullptr;
  }
}

Post read_row(SQLite::Statement& q) {
  Post p;
  p.feed = q.getColumn(0).getString();
  p.subject = q.getColumn(1).getString();
  p.version = q.getColumn(2).getInt64();
  p.event = q.getColumn(3).getString();
  p.title = q.getColumn(4).getString();
  p.text = q.getColumn(5).getString();
  p.html = q.getColumn(6).getString();
  p.severity = q.getColumn(7).getString();
  if (auto v = parse_json(q.getColumn(8).getString()); v.is_object()) p.view = v.as_object();
  if (auto v = parse_json(q.getColumn(9).getString()); v.is_array()) p.actions = v.as_array();
  if (auto v = parse_json(q.getColumn(10).getString()); v.is_array()) p.notes = v.as_array();
  p.posted_at = q.getColumn(11).getInt64();
  p.updated_at = q.getColumn(12).getInt64();
  p.seq = q.getColumn(13).getInt64();
  return p;
}

constexpr const char* kColumns =
    "feed, subject, version, event, title, text, html, severity, view, actions, notes, posted_at, updated_at, seq";

std::int64_t next_seq(storage::Database& db) {
  return db.sql().execAndGet("SELECT COALESCE(MAX(seq), 0) + 1 FROM web_posts").getInt64();
}

}  // namespace

const char* to_string(StoreOutcome outcome) {
  switch (outcome) {
    case StoreOutcome::inserted: return "inserted";
    case StoreOutcome::replaced: return "replaced";
    case StoreOutcome::noted: return "noted";
    case StoreOutcome::stale: return "stale";
  }
  return "stale";
}

Post post_from_payload(const json::object& payload) {
  Post p;
  p.feed = string_field(payload, "feed", true);
  p.subject = string_field(payload, "subject", true);
  if (p.feed.empty() || p.feed.size() > 200) throw invalid_input("web.post payload: \"feed\" must be 1..200 characters");
  if (p.subject.empty() || p.subject.size() > 200)
    throw invalid_input("web.post payload: \"subject\" must be 1..200 characters");
  if (const auto* v = payload.if_contains("version"); v && !v->is_null()) {
    if (v->is_int64()) p.version = v->as_int64();
    else if (v->is_uint64()) p.version = static_cast<std::int64_t>(v->as_uint64());
    else throw invalid_input("web.post payload: \"version\" must be an integer");
  }
  p.event = string_field(payload, "event");
  p.title = string_field(payload, "title");
  p.text = string_field(payload, "text");
  p.html = string_field(payload, "html");
  p.severity = string_field(payload, "severity");
  if (const auto* v = payload.if_contains("view"); v && !v->is_null()) {
    if (!v->is_object()) throw invalid_input("web.post payload: \"view\" must be an object");
    p.view = v->as_object();
  }
  if (const auto* v = payload.if_contains("actions"); v && !v->is_null()) {
    if (!v->is_array()) throw invalid_input("web.post payload: \"actions\" must be an array");
    for (const auto& a : v->as_array()) {
      if (!a.is_object() || !a.as_object().if_contains("verb") || !a.as_object().at("verb").is_string())
        throw invalid_input("web.post payload: every action needs a \"verb\"");
    }
    p.actions = v->as_array();
  }
  return p;
}

Post render_post(const render::Templates& templates, const std::string& feed, const messages::Message& message) {
  Post p;
  p.feed = feed;
  p.subject = message.subject;
  p.version = message.version;
  if (message.is_reply()) {
    auto reply = messages::reply_of(message);
    p.title = reply.title;
    for (const auto& block : reply.blocks) {
      if (const auto* t = std::get_if<chat::TextBlock>(&block)) p.text += t->text + "\n";
      else if (const auto* c = std::get_if<chat::ContextBlock>(&block)) p.text += c->text + "\n";
    }
    p.event = "reply";
    return p;
  }
  auto styled = messages::styled(message.facts, messages::plain_style());
  const auto& facts = styled.as_object();
  auto text_of = [&](std::string_view key) {
    auto* v = facts.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  p.text = messages::render_template(templates, "web", message, messages::plain_style()).text;
  p.title = text_of("web_title").empty() ? text_of("title") : text_of("web_title");
  p.event = text_of("web_event");
  if (p.event.empty()) p.event = message.template_key.substr(message.template_key.rfind('/') + 1);
  p.severity = text_of("severity");
  if (auto* actions = facts.if_contains("actions"); actions && actions->is_array()) p.actions = actions->as_array();
  p.view = facts;
  return p;
}

StoreOutcome store_post(storage::Database& db, const Post& post, bool versioned, UnixSeconds now) {
  auto existing = find_post(db, post.feed, post.subject);
  const std::int64_t seq = next_seq(db);
  if (!versioned && existing) {
    json::array notes = existing->notes;
    notes.push_back({{"event", post.event}, {"text", post.text}, {"at", now}});
    while (notes.size() > kMaxNotes) notes.erase(notes.begin());
    SQLite::Statement upd(db.sql(), "UPDATE web_posts SET notes = ?, updated_at = ?, seq = ? WHERE feed = ? AND subject = ?");
    upd.bind(1, json::serialize(notes));
    upd.bind(2, static_cast<std::int64_t>(now));
    upd.bind(3, seq);
    upd.bind(4, post.feed);
    upd.bind(5, post.subject);
    upd.exec();
    return StoreOutcome::noted;
  }
  if (existing && existing->version >= post.version && existing->version > 0) return StoreOutcome::stale;
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO web_posts(feed, subject, version, event, title, text, html, severity, view, actions, "
                        "notes, posted_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(feed, subject) DO UPDATE SET version = excluded.version, event = excluded.event, "
                        "title = excluded.title, text = excluded.text, html = excluded.html, severity = excluded.severity, "
                        "view = excluded.view, actions = excluded.actions, updated_at = excluded.updated_at, "
                        "seq = excluded.seq");
  ins.bind(1, post.feed);
  ins.bind(2, post.subject);
  ins.bind(3, post.version);
  ins.bind(4, post.event);
  ins.bind(5, post.title);
  ins.bind(6, post.text);
  ins.bind(7, post.html);
  ins.bind(8, post.severity);
  ins.bind(9, json::serialize(post.view));
  ins.bind(10, json::serialize(post.actions));
  // A notice that came first (no message yet) keeps its text as the first note.
  json::array notes;
  if (!versioned) notes.push_back({{"event", post.event}, {"text", post.text}, {"at", now}});
  ins.bind(11, json::serialize(notes));
  ins.bind(12, static_cast<std::int64_t>(now));
  ins.bind(13, static_cast<std::int64_t>(now));
  ins.bind(14, seq);
  ins.exec();
  return existing ? StoreOutcome::replaced : StoreOutcome::inserted;
}

std::vector<Post> feed_posts(storage::Database& db, const FeedQuery& query) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kColumns +
                                    " FROM web_posts WHERE feed = ? AND seq > ? ORDER BY posted_at DESC, subject LIMIT ?");
  q.bind(1, query.feed);
  q.bind(2, query.after_seq);
  q.bind(3, static_cast<std::int64_t>(query.limit));
  std::vector<Post> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

std::optional<Post> find_post(storage::Database& db, const std::string& feed, const std::string& subject) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kColumns + " FROM web_posts WHERE feed = ? AND subject = ?");
  q.bind(1, feed);
  q.bind(2, subject);
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

std::vector<FeedSummary> feeds(storage::Database& db) {
  SQLite::Statement q(db.sql(), "SELECT feed, COUNT(*), MAX(seq) FROM web_posts GROUP BY feed ORDER BY feed");
  std::vector<FeedSummary> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64()});
  return out;
}

json::object to_json(const Post& p) {
  json::object o{{"feed", p.feed},         {"subject", p.subject},     {"version", p.version}, {"event", p.event},
                 {"title", p.title},       {"text", p.text},           {"severity", p.severity}, {"view", p.view},
                 {"actions", p.actions},   {"notes", p.notes},         {"posted_at", format_instant(p.posted_at)},
                 {"updated_at", format_instant(p.updated_at)}, {"seq", p.seq}};
  if (!p.html.empty()) o["html"] = p.html;
  return o;
}

}  // namespace costbot::web
