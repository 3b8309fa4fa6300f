#pragma once
// Reads and writes findings and incidents (tables of 0020_detection.sql). Reads are for everyone
// (CLI, chat commands, templates, charts); writes are for the detection run and feedback, inside
// their write transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/detect/finding.hpp"
#include "engine/storage/database.hpp"

namespace costbot::detect {

struct FindingQuery {
  bool open_only = false;       // findings: status open; incidents: status open
  std::string team;             // only this team's
  std::string kind;             // finding kind (or incident family)
  std::string scope_dimension;  // with scope_value: only this scope
  std::string scope_value;
  std::int64_t incident_id = 0; // findings of this incident
  std::size_t limit = 0;        // 0 = all; newest first

  static FindingQuery open() { FindingQuery q; q.open_only = true; return q; }
  FindingQuery& with_kind(std::string k) { kind = std::move(k); return *this; }
  FindingQuery& in_incident(std::int64_t id) { incident_id = id; return *this; }
  FindingQuery& for_team(std::string t) { team = std::move(t); return *this; }
};

class FindingStore {
 public:
  explicit FindingStore(storage::Database& db) : db_(db) {}

  std::vector<Finding> findings(const FindingQuery& q = {});
  std::optional<Finding> finding(std::int64_t id);
  std::optional<Finding> finding_by_fingerprint(const std::string& fingerprint);
  std::vector<Incident> incidents(const FindingQuery& q = {});
  std::optional<Incident> incident(std::int64_t id);
  std::optional<Incident> open_incident(const std::string& family, const std::string& scope_dimension,
                                        const std::string& scope_value);

  // ---- writes (inside a write transaction) ----
  enum class Upsert { inserted, updated };
  // By fingerprint. A new finding gets an id; an existing one keeps id, created_at and its
  // incident, and its status unless `status_rule` below says otherwise:
  //  - dismissed stays dismissed; resolved cost anomalies stay resolved (old facts);
  //  - a resolved waste or budget finding found again is open again (the state came back).
  Upsert upsert(Finding& f, UnixSeconds now);
  // Puts an open finding into the open incident of its scope and family (opening one when there
  // is none) and refreshes the incident's figures. Returns true when an incident was opened.
  bool attach_to_incident(Finding& f, UnixSeconds now);
  void refresh_incident(std::int64_t incident_id, UnixSeconds now);
  // Closes an incident and the open findings in it with `status` (resolved or dismissed).
  void close_incident(std::int64_t incident_id, const std::string& status, const std::string& resolution,
                      UnixSeconds now);
  void set_finding_status(std::int64_t finding_id, const std::string& status, UnixSeconds now);
  // Adds (or refreshes, by scope and day) context scopes of a finding.
  void add_related_scopes(std::int64_t finding_id, const std::vector<RelatedScope>& scopes, UnixSeconds now);

 private:
  storage::Database& db_;
};

}  // namespace costbot::detect
