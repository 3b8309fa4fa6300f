#include "tests/support/finding_seed.hpp"

#include <stdexcept>

#include "engine/detect/finding_store.hpp"

namespace costbot::testing {

detect::Finding seed_finding(storage::Database& db, const FindingSeed& seed, UnixSeconds now) {
  auto day = parse_day(seed.day);
  if (!day) throw std::invalid_argument("seed_finding: bad day " + seed.day);
  detect::Finding f;
  f.fingerprint = seed.fingerprint.empty() ? seed.kind + "|" + seed.resource + "|" + seed.day : seed.fingerprint;
  f.kind = seed.kind;
  f.rule_id = seed.kind;
  f.scope_dimension = "resource";
  f.scope_value = seed.resource;
  f.team = seed.team;
  f.provider = "AWS";
  f.account = "111122223333";
  f.service = "Amazon Elastic Compute Cloud";
  f.region = "eu-west-1";
  f.resource = seed.resource;
  f.severity = seed.severity;
  f.title = seed.title;
  f.summary = "Averaged 0.4% CPU for 30 days.";
  f.day = *day;
  f.actual = seed.impact_per_day;
  f.impact_per_day = seed.impact_per_day;
  f.impact_per_month = seed.impact_per_day * 30.4;
  f.score = 0.9;
  f.remediation.text = "Snapshot and stop the instance.";
  auto tx = db.begin_write();
  detect::FindingStore store(db);
  store.upsert(f, now);
  store.attach_to_incident(f, now);
  tx.commit();
  return *store.finding(f.id);
}

}  // namespace costbot::testing
