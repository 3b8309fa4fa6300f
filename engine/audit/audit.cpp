#include "engine/audit/audit.hpp"

#include <map>
#include <regex>
#include <set>

#include "engine/util/hash.hpp"

namespace costbot::audit {
namespace {

const std::string kGenesis(64, '0');

struct StoredHead {
  std::int64_t last_id = 0;
  std::string last_hash = kGenesis;
};

StoredHead read_head(storage::Database& db) {
  SQLite::Statement q(db.sql(), "SELECT last_id, last_hash FROM audit_head WHERE singleton = 1");
  StoredHead head;
  if (q.executeStep()) {
    head.last_id = q.getColumn(0).getInt64();
    head.last_hash = q.getColumn(1).getString();
  }
  return head;
}

}  // namespace

std::string row_hash(const std::string& prev_hash, std::int64_t id, UnixSeconds at, const std::string& actor,
                     const std::string& action, const std::string& subject, const std::string& details) {
  boost::json::array canonical{id, at, actor, action, subject, details};
  return hash::sha256_hex(prev_hash + "\n" + boost::json::serialize(canonical));
}

std::int64_t append(storage::Database& db, const Entry& entry, UnixSeconds now) {
  StoredHead head = read_head(db);
  // The id is chosen here (not by SQLite) because it is part of the hashed content; the write
  // lock held by the caller's BEGIN IMMEDIATE makes max+1 safe. AUTOINCREMENT's sequence still
  // guarantees ids are never reused after a deletion.
  SQLite::Statement next(db.sql(),
                         "SELECT MAX(COALESCE((SELECT MAX(id) FROM audit_log), 0), "
                         "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0)) + 1");
  next.executeStep();
  std::int64_t id = next.getColumn(0).getInt64();
  std::string details = boost::json::serialize(entry.details);
  std::string hash = row_hash(head.last_hash, id, now, entry.actor, entry.action, entry.subject, details);
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO audit_log(id, at, actor, action, subject, details, prev_hash, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, id);
  ins.bind(2, static_cast<std::int64_t>(now));
  ins.bind(3, entry.actor);
  ins.bind(4, entry.action);
  ins.bind(5, entry.subject);
  ins.bind(6, details);
  ins.bind(7, head.last_hash);
  ins.bind(8, hash);
  ins.exec();
  SQLite::Statement upd(db.sql(),
                        "INSERT INTO audit_head(singleton, last_id, last_hash) VALUES (1, ?, ?) "
                        "ON CONFLICT(singleton) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash");
  upd.bind(1, id);
  upd.bind(2, hash);
  upd.exec();
  return id;
}

static Row read_row(SQLite::Statement& q) {
  Row r;
  r.id = q.getColumn(0).getInt64();
  r.at = q.getColumn(1).getInt64();
  r.actor = q.getColumn(2).getString();
  r.action = q.getColumn(3).getString();
  r.subject = q.getColumn(4).getString();
  r.details = q.getColumn(5).getString();
  r.prev_hash = q.getColumn(6).getString();
  r.hash = q.getColumn(7).getString();
  return r;
}

std::vector<Row> list(storage::Database& db, const std::string& subject, std::size_t limit) {
  std::string sql = "SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit_log";
  if (!subject.empty()) sql += " WHERE subject = ?1";
  sql += " ORDER BY id DESC";
  if (limit) sql += " LIMIT " + std::to_string(limit);
  SQLite::Statement q(db.sql(), sql);
  if (!subject.empty()) q.bind(1, subject);
  std::vector<Row> rows;
  while (q.executeStep()) rows.push_back(read_row(q));
  return {rows.rbegin(), rows.rend()};
}

Verification verify(storage::Database& db) {
  Verification v;
  auto fail = [&](std::int64_t id, std::string problem) {
    v.ok = false;
    v.bad_row = id;
    v.problem = std::move(problem);
    return v;
  };
  SQLite::Statement q(db.sql(), "SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit_log ORDER BY id");
  std::int64_t expected_id = 1;
  std::string expected_prev = kGenesis;
  while (q.executeStep()) {
    Row r = read_row(q);
    ++v.rows;
    if (r.id != expected_id) {
      std::string gone = r.id == expected_id + 1 ? "row " + std::to_string(expected_id) + " was deleted"
                                                  : "rows " + std::to_string(expected_id) + ".." +
                                                        std::to_string(r.id - 1) + " were deleted";
      return fail(expected_id, gone + " (the chain jumps from " +
                                   (expected_id > 1 ? "row " + std::to_string(expected_id - 1) : "the start") +
                                   " to row " + std::to_string(r.id) + ")");
    }
    if (r.prev_hash != expected_prev) {
      if (r.id == 1) return fail(1, "row 1 was edited: it does not start the chain");
      return fail(r.id - 1, "row " + std::to_string(r.id - 1) + " was edited and its hash recomputed: row " +
                                std::to_string(r.id) + " no longer links to it (or row " + std::to_string(r.id) +
                                "'s prev_hash was changed)");
    }
    if (row_hash(r.prev_hash, r.id, r.at, r.actor, r.action, r.subject, r.details) != r.hash)
      return fail(r.id, "row " + std::to_string(r.id) + " was edited: its content (" + r.action + " " + r.subject +
                            " by " + r.actor + ") does not match its hash");
    expected_prev = r.hash;
    ++expected_id;
  }
  StoredHead head = read_head(db);
  std::int64_t last = expected_id - 1;
  if (head.last_id != last || head.last_hash != expected_prev) {
    if (head.last_id > last)
      return fail(last + 1, (head.last_id == last + 1 ? "row " + std::to_string(last + 1) + " was"
                                                      : "rows " + std::to_string(last + 1) + ".." +
                                                            std::to_string(head.last_id) + " were") +
                                " deleted from the end (the log head records row " + std::to_string(head.last_id) + ")");
    return fail(last, "the log head does not match the last row " + std::to_string(last) +
                          " (rows were added outside costbot, or the head was edited)");
  }
  SQLite::Statement triggers(db.sql(),
                             "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND "
                             "name IN ('audit_log_no_update', 'audit_log_no_delete')");
  triggers.executeStep();
  if (triggers.getColumn(0).getInt() != 2)
    v.warnings.push_back("the append-only triggers on audit_log were dropped; rows can be changed without an error");
  return v;
}

Head head(storage::Database& db) {
  auto h = read_head(db);
  return {h.last_id, h.last_hash};
}

std::string anchor_line(const Head& h) {
  return "audit head: row " + std::to_string(h.id) + " hash " + h.hash;
}

std::vector<Head> parse_anchors(const std::string& text) {
  static const std::regex line(R"(audit head: row ([0-9]{1,18}) hash ([0-9a-f]{64}))");
  std::vector<Head> out;
  for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it)
    out.push_back({std::stoll((*it)[1].str()), (*it)[2].str()});
  return out;
}

namespace {

// The approvals' state against the chain: every stored decision has its audit row (same request,
// stage and principal), every request its creation row, every closed request the row that closed it.
std::optional<std::string> approvals_disagree(storage::Database& db) {
  std::map<std::string, std::set<std::string>> audited;  // subject → "action|stage|principal" and "action"
  SQLite::Statement rows(db.sql(), "SELECT action, subject, details FROM audit_log WHERE subject LIKE 'approval:%'");
  while (rows.executeStep()) {
    const std::string action = rows.getColumn(0).getString(), subject = rows.getColumn(1).getString();
    auto& seen = audited[subject];
    seen.insert(action);
    boost::system::error_code ec;
    auto details = boost::json::parse(rows.getColumn(2).getString(), ec);
    if (ec || !details.is_object()) continue;
    const auto& o = details.as_object();
    if (o.contains("outcome") && o.at("outcome").is_string()) seen.insert("outcome|" + std::string(o.at("outcome").as_string()));
    const auto* stage = o.if_contains("stage");
    const auto* principals = o.if_contains("principals");
    if (stage && stage->is_int64() && principals && principals->is_array())
      for (const auto& p : principals->as_array())
        if (p.is_string())
          seen.insert(action + "|" + std::to_string(stage->as_int64()) + "|" + std::string(p.as_string()));
  }
  SQLite::Statement decisions(db.sql(),
                              "SELECT request_id, stage_idx, principal, verdict FROM approval_decisions ORDER BY id");
  while (decisions.executeStep()) {
    const auto request = decisions.getColumn(0).getInt64();
    const auto stage = decisions.getColumn(1).getInt64();
    const auto principal = decisions.getColumn(2).getString(), verdict = decisions.getColumn(3).getString();
    const std::string subject = "approval:" + std::to_string(request);
    if (!audited[subject].count("decision." + verdict + "|" + std::to_string(stage) + "|" + principal))
      return "approval request #" + std::to_string(request) + " holds a " + verdict + " by " + principal + " at stage " +
             std::to_string(stage + 1) + " that the audit log does not record (written outside costbot?)";
  }
  SQLite::Statement requests(db.sql(), "SELECT id, status FROM approval_requests ORDER BY id");
  while (requests.executeStep()) {
    const auto id = requests.getColumn(0).getInt64();
    const auto status = requests.getColumn(1).getString();
    const auto& seen = audited["approval:" + std::to_string(id)];
    if (!seen.count("request.created"))
      return "approval request #" + std::to_string(id) + " has no request.created row in the audit log";
    if (status == "approved" && !seen.count("outcome|approved_final"))
      return "approval request #" + std::to_string(id) + " is approved but the audit log records no final approval";
    if (status == "rejected" && !seen.count("outcome|rejected"))
      return "approval request #" + std::to_string(id) + " is rejected but the audit log records no rejection";
  }
  return std::nullopt;
}

}  // namespace

Verification verify_with(storage::Database& db, const std::vector<Head>& anchors) {
  auto v = verify(db);
  if (!v.ok) return v;
  auto fail = [&](std::optional<std::int64_t> row, std::string problem) {
    v.ok = false;
    v.bad_row = row;
    v.problem = std::move(problem);
    return v;
  };
  for (const auto& a : anchors) {
    SQLite::Statement q(db.sql(), "SELECT hash FROM audit_log WHERE id = ?");
    q.bind(1, a.id);
    if (!q.executeStep())
      return fail(a.id, "row " + std::to_string(a.id) + " was anchored (" + a.hash.substr(0, 12) +
                            "...) but is not in the log: rows were cut off the end and the head rewound");
    if (q.getColumn(0).getString() != a.hash)
      return fail(a.id, "row " + std::to_string(a.id) + " differs from its anchor: the chain was rewritten from there on");
  }
  if (auto problem = approvals_disagree(db)) return fail(std::nullopt, *problem);
  return v;
}

}  // namespace costbot::audit
