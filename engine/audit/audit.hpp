#pragma once
// The append-only, hash-chained audit log. append() is called inside the caller's write
// transaction, so an audit row exists if and only if the change it describes committed.
//
// Chain: hash = sha256(prev_hash + "\n" + canonical), where canonical is the JSON array
// [id, at, actor, action, subject, details] with details exactly as stored. The first row's
// prev_hash is 64 zeros. audit_head holds the last id and hash, so truncation is detected too.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::audit {

struct Entry {
  std::string actor;
  std::string action;   // noun.verb: request.created, decision.approve, escalation.remind, ...
  std::string subject;  // approval:42, delegation:3
  boost::json::object details;
};

struct Row {
  std::int64_t id = 0;
  UnixSeconds at = 0;
  std::string actor, action, subject, details, prev_hash, hash;
};

// Appends one row; must run inside a write transaction (BEGIN IMMEDIATE). Returns its id.
std::int64_t append(storage::Database& db, const Entry& entry, UnixSeconds now);

// Rows in id order; an empty subject means all. limit 0 = no limit (the newest `limit` rows otherwise).
std::vector<Row> list(storage::Database& db, const std::string& subject = {}, std::size_t limit = 0);

struct Verification {
  bool ok = true;
  std::int64_t rows = 0;                  // rows checked
  std::optional<std::int64_t> bad_row;    // the first row found edited, deleted (or after a deletion)
  std::string problem;                    // what is wrong, for a person
  std::vector<std::string> warnings;      // not tampering by itself (e.g. protection triggers dropped)
};

// Walks the whole chain and reports the first problem.
Verification verify(storage::Database& db);

// The chain's head as audit_head records it: the last row's id and hash (0 and 64 zeros when empty).
struct Head {
  std::int64_t id = 0;
  std::string hash;
};
Head head(storage::Database& db);

// An anchor is a head written somewhere the database's writer cannot rewrite: the log, a file on
// another volume, a chat channel ("audit head: row 1234 hash 9f2c..."). Anchors found in any text.
std::vector<Head> parse_anchors(const std::string& text);
// The line that anchors a head (what the log, the anchor file and the daily message carry).
std::string anchor_line(const Head& head);

// verify() plus: every anchor must be a row of the chain with that very hash (a row cut off the
// end and the head rewound, or the chain rebuilt, is caught by any anchor past the cut), and the
// approvals' state must agree with the chain (every decision and every closed request has its
// audit rows). Problems are reported like verify()'s; the first one sets bad_row when it has one.
Verification verify_with(storage::Database& db, const std::vector<Head>& anchors);

// The hash a row must carry, from its fields (exposed for tests and tools).
std::string row_hash(const std::string& prev_hash, std::int64_t id, UnixSeconds at, const std::string& actor,
                     const std::string& action, const std::string& subject, const std::string& details);

}  // namespace costbot::audit
