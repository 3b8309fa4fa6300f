#include "engine/messages/copies.hpp"

#include "engine/util/error.hpp"

namespace costbot::messages {
namespace {

constexpr const char* kCopyColumns =
    "SELECT id, subject, channel, target, post_key, state, conversation, message_id, service_url, shown_version, "
    "attempt_at, attempts, created_at, updated_at FROM message_copies ";

CopyState state_from(const std::string& s) {
  if (s == "sending") return CopyState::sending;
  if (s == "posted") return CopyState::posted;
  if (s == "failed") return CopyState::failed;
  return CopyState::queued;
}

Copy copy_from_row(SQLite::Statement& q) {
  Copy c;
  c.id = q.getColumn(0).getInt64();
  c.subject = q.getColumn(1).getString();
  c.to = Address{q.getColumn(2).getString(), q.getColumn(3).getString()};
  c.post_key = q.getColumn(4).getString();
  c.state = state_from(q.getColumn(5).getString());
  c.conversation = q.getColumn(6).getString();
  c.message_id = q.getColumn(7).getString();
  c.service_url = q.getColumn(8).getString();
  c.shown_version = q.getColumn(9).getInt64();
  if (!q.getColumn(10).isNull()) c.attempt_at = q.getColumn(10).getInt64();
  c.attempts = q.getColumn(11).getInt();
  c.created_at = q.getColumn(12).getInt64();
  c.updated_at = q.getColumn(13).getInt64();
  return c;
}

std::optional<Copy> one_copy(SQLite::Statement& q) {
  if (!q.executeStep()) return std::nullopt;
  return copy_from_row(q);
}

}  // namespace

const char* to_string(CopyState state) {
  switch (state) {
    case CopyState::sending: return "sending";
    case CopyState::posted: return "posted";
    case CopyState::failed: return "failed";
    case CopyState::queued: break;
  }
  return "queued";
}

std::int64_t CopyStore::next_version(const std::string& subject) {
  SQLite::Statement up(db_.sql(),
                       "INSERT INTO message_versions(subject, version) VALUES (?, 1) "
                       "ON CONFLICT(subject) DO UPDATE SET version = version + 1 RETURNING version");
  up.bind(1, subject);
  up.executeStep();
  return up.getColumn(0).getInt64();
}

std::int64_t CopyStore::version(const std::string& subject) {
  SQLite::Statement q(db_.sql(), "SELECT version FROM message_versions WHERE subject = ?");
  q.bind(1, subject);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

Copy CopyStore::plan(const std::string& subject, const Address& to, const std::string& post_key, UnixSeconds now) {
  if (subject.empty()) throw Error(ErrorKind::internal, "a message copy needs a subject");
  SQLite::Statement ins(db_.sql(),
                        "INSERT INTO message_copies(subject, channel, target, post_key, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  ins.bind(1, subject);
  ins.bind(2, to.channel);
  ins.bind(3, to.target);
  ins.bind(4, post_key);
  ins.bind(5, static_cast<std::int64_t>(now));
  ins.bind(6, static_cast<std::int64_t>(now));
  ins.exec();
  auto copy = find(subject, to);
  if (!copy) throw Error(ErrorKind::internal, "the post key " + post_key + " already belongs to another message copy");
  return *copy;
}

Copy CopyStore::copy_for_post(const std::string& post_key, const std::string& subject, const Address& to,
                              UnixSeconds now) {
  if (auto planned = find_by_post_key(post_key)) return *planned;
  auto tx = db_.begin_write();
  auto copy = plan(subject.empty() ? "reply:" + post_key : subject, to, post_key, now);
  if (copy.post_key != post_key) copy = plan("reply:" + post_key, to, post_key, now);
  tx.commit();
  return copy;
}

Copy CopyStore::adopt(const std::string& subject, const Address& to, const std::string& conversation,
                      const std::string& message_id, const std::string& service_url, UnixSeconds now) {
  if (auto existing = find(subject, to)) return *existing;
  SQLite::Statement ins(db_.sql(),
                        "INSERT INTO message_copies(subject, channel, target, post_key, state, conversation, message_id, "
                        "service_url, created_at, updated_at) VALUES (?, ?, ?, ?, 'posted', ?, ?, ?, ?, ?) "
                        "ON CONFLICT DO NOTHING");
  ins.bind(1, subject);
  ins.bind(2, to.channel);
  ins.bind(3, to.target);
  ins.bind(4, "adopted:" + to.channel + ":" + conversation + ":" + message_id);
  ins.bind(5, conversation);
  ins.bind(6, message_id);
  ins.bind(7, service_url);
  ins.bind(8, static_cast<std::int64_t>(now));
  ins.bind(9, static_cast<std::int64_t>(now));
  ins.exec();
  auto copy = find(subject, to);
  if (!copy) throw Error(ErrorKind::internal, "could not record the copy of " + subject + " at " + to.text());
  return *copy;
}

std::optional<Copy> CopyStore::find(const std::string& subject, const Address& to) {
  SQLite::Statement q(db_.sql(), std::string(kCopyColumns) + "WHERE subject = ? AND channel = ? AND target = ?");
  q.bind(1, subject);
  q.bind(2, to.channel);
  q.bind(3, to.target);
  return one_copy(q);
}

std::optional<Copy> CopyStore::find(std::int64_t id) {
  SQLite::Statement q(db_.sql(), std::string(kCopyColumns) + "WHERE id = ?");
  q.bind(1, id);
  return one_copy(q);
}

std::optional<Copy> CopyStore::find_by_post_key(const std::string& post_key) {
  SQLite::Statement q(db_.sql(), std::string(kCopyColumns) + "WHERE post_key = ?");
  q.bind(1, post_key);
  return one_copy(q);
}

std::optional<Copy> CopyStore::find_landed(const std::string& channel, const std::string& conversation,
                                           const std::string& message_id) {
  SQLite::Statement q(db_.sql(), std::string(kCopyColumns) +
                                     "WHERE channel = ? AND conversation = ? AND message_id = ? ORDER BY id LIMIT 1");
  q.bind(1, channel);
  q.bind(2, conversation);
  q.bind(3, message_id);
  return one_copy(q);
}

std::vector<Copy> CopyStore::copies_of(const std::string& subject) {
  SQLite::Statement q(db_.sql(), std::string(kCopyColumns) + "WHERE subject = ? ORDER BY id");
  q.bind(1, subject);
  std::vector<Copy> out;
  while (q.executeStep()) out.push_back(copy_from_row(q));
  return out;
}

void CopyStore::begin_attempt(std::int64_t id, UnixSeconds now) {
  SQLite::Statement upd(db_.sql(),
                        "UPDATE message_copies SET state = 'sending', attempt_at = ?, attempts = attempts + 1, updated_at = ? "
                        "WHERE id = ? AND state <> 'posted'");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, static_cast<std::int64_t>(now));
  upd.bind(3, id);
  upd.exec();
}

void CopyStore::attempt_refused(std::int64_t id, UnixSeconds now) {
  SQLite::Statement upd(db_.sql(), "UPDATE message_copies SET state = 'queued', updated_at = ? WHERE id = ? AND state = 'sending'");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, id);
  upd.exec();
}

void CopyStore::landed(std::int64_t id, const std::string& conversation, const std::string& message_id,
                       const std::string& service_url, std::int64_t version, UnixSeconds now) {
  SQLite::Statement upd(db_.sql(),
                        "UPDATE message_copies SET state = 'posted', conversation = ?, message_id = ?, service_url = ?, "
                        "shown_version = MAX(shown_version, ?), updated_at = ? WHERE id = ?");
  upd.bind(1, conversation);
  upd.bind(2, message_id);
  upd.bind(3, service_url);
  upd.bind(4, version);
  upd.bind(5, static_cast<std::int64_t>(now));
  upd.bind(6, id);
  upd.exec();
}

bool CopyStore::may_show(const Copy& copy, std::int64_t version) const {
  return version == 0 || copy.shown_version <= version;
}

void CopyStore::shown(std::int64_t id, std::int64_t version, UnixSeconds now) {
  SQLite::Statement upd(db_.sql(),
                        "UPDATE message_copies SET shown_version = MAX(shown_version, ?), updated_at = ? WHERE id = ?");
  upd.bind(1, version);
  upd.bind(2, static_cast<std::int64_t>(now));
  upd.bind(3, id);
  upd.exec();
}

void CopyStore::failed(std::int64_t id, UnixSeconds now) {
  SQLite::Statement upd(db_.sql(), "UPDATE message_copies SET state = 'failed', updated_at = ? WHERE id = ? AND state <> 'posted'");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, id);
  upd.exec();
}

}  // namespace costbot::messages
