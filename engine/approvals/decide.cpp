// The state machine: who may decide, and what a verdict does. All checks read the state inside
// the write transaction (BEGIN IMMEDIATE), so two clicks at once are serialized and the second
// sees the first's result.
//
// Rules:
// - Only the current stage's approvers, or a delegate of one of them (active delegation), decide.
//   A delegate's click counts for every approver of the stage it stands in for (and for itself
//   when it is an approver too); a second click therefore finds nothing left to decide.
// - The requester never decides their own request (not even as someone's delegate).
// - One reject rejects the request; approvals count distinct approvers against the stage quorum.
// - Denied attempts (not an approver, self-approval) are audited as decision.denied, with no
//   state change and no effects; duplicates and late clicks change nothing and are not audited.
#include <cmath>

#include "engine/approvals/internal.hpp"
#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::applied: return "applied";
    case Outcome::stage_advanced: return "stage_advanced";
    case Outcome::approved_final: return "approved_final";
    case Outcome::rejected: return "rejected";
    case Outcome::already_decided: return "already_decided";
    case Outcome::not_an_approver: return "not_an_approver";
    case Outcome::self_approval_forbidden: return "self_approval_forbidden";
    case Outcome::stage_not_active: return "stage_not_active";
    case Outcome::request_closed: return "request_closed";
    case Outcome::not_found: return "not_found";
  }
  return "?";
}

const char* to_string(Verdict verdict) { return verdict == Verdict::approve ? "approve" : "reject"; }

std::optional<Verdict> parse_verdict(const std::string& text) {
  if (text == "approve") return Verdict::approve;
  if (text == "reject") return Verdict::reject;
  return std::nullopt;
}

bool changed_state(Outcome outcome) {
  return outcome == Outcome::applied || outcome == Outcome::stage_advanced || outcome == Outcome::approved_final ||
         outcome == Outcome::rejected;
}

namespace detail {

void bump_version(storage::Database& db, RequestRecord& record, UnixSeconds now) {
  SQLite::Statement upd(db.sql(), "UPDATE approval_requests SET version = version + 1, updated_at = ? WHERE id = ?");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, record.id);
  upd.exec();
  record = *load_request(db, record.id);
}

Applied apply_verdict(const Approvals& a, storage::Database& db, RequestRecord& record, const std::string& actor,
                      const std::vector<std::string>& principals, Verdict verdict, const std::string& reason,
                      const std::string& source, bool forced, UnixSeconds now) {
  const int idx = *record.current_stage;
  const StageRecord stage = *record.stage(idx);
  const std::string ref = "#" + std::to_string(record.id);
  for (const auto& principal : principals) {
    SQLite::Statement ins(db.sql(),
                          "INSERT INTO approval_decisions(request_id, stage_idx, principal, actor, verdict, reason, source, "
                          "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, record.id);
    ins.bind(2, idx);
    ins.bind(3, principal);
    ins.bind(4, actor);
    ins.bind(5, to_string(verdict));
    ins.bind(6, reason);
    ins.bind(7, source);
    ins.bind(8, static_cast<std::int64_t>(now));
    ins.exec();
  }
  auto finish_stage = [&](const char* status) {
    SQLite::Statement upd(db.sql(),
                          "UPDATE approval_stages SET status = ?, finished_at = ? WHERE request_id = ? AND idx = ?");
    upd.bind(1, status);
    upd.bind(2, static_cast<std::int64_t>(now));
    upd.bind(3, record.id);
    upd.bind(4, idx);
    upd.exec();
  };

  Applied result;
  int approvals = 0;
  if (verdict == Verdict::reject) {
    finish_stage("rejected");
    SQLite::Statement upd(db.sql(),
                          "UPDATE approval_requests SET status = 'rejected', current_stage = NULL, rejection_reason = ?, "
                          "closed_at = ? WHERE id = ?");
    upd.bind(1, reason);
    upd.bind(2, static_cast<std::int64_t>(now));
    upd.bind(3, record.id);
    upd.exec();
    result.outcome = Outcome::rejected;
    result.message = "Request " + ref + " was rejected at " + stage_label(record, idx) + ".";
  } else {
    SQLite::Statement count(db.sql(),
                            "SELECT COUNT(DISTINCT principal) FROM approval_decisions WHERE request_id = ? AND "
                            "stage_idx = ? AND verdict = 'approve'");
    count.bind(1, record.id);
    count.bind(2, idx);
    count.executeStep();
    approvals = count.getColumn(0).getInt();
    if (forced || approvals >= stage.required) {
      finish_stage("approved");
      if (idx + 1 < static_cast<int>(record.stages.size())) {
        const StageRecord& next = *record.stage(idx + 1);
        SQLite::Statement act(db.sql(),
                              "UPDATE approval_stages SET status = 'active', started_at = ?, due_at = ? "
                              "WHERE request_id = ? AND idx = ?");
        act.bind(1, static_cast<std::int64_t>(now));
        act.bind(2, static_cast<std::int64_t>(now + next.sla_seconds));
        act.bind(3, record.id);
        act.bind(4, idx + 1);
        act.exec();
        SQLite::Statement upd(db.sql(), "UPDATE approval_requests SET current_stage = ? WHERE id = ?");
        upd.bind(1, idx + 1);
        upd.bind(2, record.id);
        upd.exec();
        result.outcome = Outcome::stage_advanced;
        result.message = "Stage " + stage_label(record, idx) + " of request " + ref + " is approved; it moves to " +
                         stage_label(record, idx + 1) + ".";
      } else {
        SQLite::Statement upd(db.sql(),
                              "UPDATE approval_requests SET status = 'approved', current_stage = NULL, closed_at = ? "
                              "WHERE id = ?");
        upd.bind(1, static_cast<std::int64_t>(now));
        upd.bind(2, record.id);
        upd.exec();
        result.outcome = Outcome::approved_final;
        result.message = "Request " + ref + " is approved" +
                         std::string(record.ticket_settings ? "; a Jira ticket will be opened." : ".");
      }
    } else {
      result.outcome = Outcome::applied;
      result.message = "Your approval of request " + ref + " is recorded: " + std::to_string(approvals) + " of " +
                       std::to_string(stage.required) + " approvals for stage " + stage_label(record, idx) + ".";
    }
  }

  boost::json::array principal_list;
  for (const auto& p : principals) principal_list.push_back(boost::json::value(p));
  boost::json::object details{{"stage", idx},         {"stage_name", stage.name},   {"principals", principal_list},
                              {"reason", reason},     {"source", source},           {"outcome", to_string(result.outcome)},
                              {"approvals", approvals}, {"required", stage.required}};
  if (forced) details["forced_by_escalation"] = true;
  audit::append(db, {actor, verdict == Verdict::approve ? "decision.approve" : "decision.reject", record.subject(), details},
                now);

  bump_version(db, record, now);
  queue_updates(a, db, record, now);
  if (result.outcome == Outcome::approved_final) queue_ticket_creation(a, db, record, now);
  if (result.outcome == Outcome::rejected) queue_detection_feedback(db, record, actor, now);
  return result;
}

}  // namespace detail

DecisionResult Approvals::decide(storage::Database& db, const Decision& d, UnixSeconds now) const {
  const std::string actor(text::trim(d.actor));
  if (actor.empty()) throw invalid_input("a decision needs an actor (user id)");
  // The person whose decision this is: the actor, or whom the actor acts for by a grant.
  const std::string who = d.acting_for.empty() ? actor : std::string(text::trim(d.acting_for));
  auto grant_details = [&](boost::json::object o) {
    if (who != actor) {
      o["acting_for"] = who;
      o["grant"] = d.grant;
    }
    return o;
  };
  const std::string ref = "#" + std::to_string(d.request_id);
  DecisionResult res;
  res.request_id = d.request_id;

  auto tx = db.begin_write();
  auto record = load_request(db, d.request_id);
  if (!record) {
    res.outcome = Outcome::not_found;
    res.message = "There is no approval request " + ref + ".";
    return res;
  }
  res.request_status = record->status;
  const int current = record->current_stage.value_or(-1);
  const int target = d.stage.value_or(current);
  res.stage = target;
  auto done = [&](Outcome outcome, std::string message) {
    res.outcome = outcome;
    res.message = std::move(message);
    return res;
  };
  auto actor_decided = [&](int stage) {
    for (const auto& dec : record->decisions)
      if ((stage < 0 || dec.stage_idx == stage) && (dec.actor == who || dec.principal == who)) return true;
    return false;
  };
  // An audited refusal: the attempt is recorded, nothing else changes.
  auto deny = [&](Outcome outcome, std::string message, const char* why) {
    audit::append(db,
                  {actor, "decision.denied", record->subject(),
                   grant_details({{"stage", target}, {"verdict", to_string(d.verdict)}, {"why", why}, {"source", d.source}})},
                  now);
    tx.commit();
    return done(outcome, std::move(message));
  };

  if (record->status != "open") {
    if (actor_decided(d.stage ? target : -1))
      return done(Outcome::already_decided, "You already decided request " + ref + "; nothing changed.");
    return done(Outcome::request_closed, "Request " + ref + " is already " + record->status + "; nothing changed.");
  }
  if (!record->stage(target))
    return done(Outcome::stage_not_active, "Request " + ref + " has no stage " + std::to_string(target + 1) + ".");
  if (target < current)
    return done(Outcome::already_decided,
                "Stage " + detail::stage_label(*record, target) + " of request " + ref + " was already decided; nothing changed.");
  if (target > current)
    return done(Outcome::stage_not_active, "Stage " + detail::stage_label(*record, target) + " of request " + ref +
                                               " is not active yet; the request waits for " +
                                               detail::stage_label(*record, current) + ".");
  if (who == record->requester || actor == record->requester)
    return deny(Outcome::self_approval_forbidden,
                (who == actor ? "You requested " + ref : who + " requested " + ref) +
                    ", so you cannot decide it; another approver must.",
                "self_approval");

  const StageRecord& stage = *record->stage(current);
  auto is_approver = [&](const std::string& user) {
    return std::find(stage.approvers.begin(), stage.approvers.end(), user) != stage.approvers.end();
  };
  std::vector<std::string> principals;
  if (is_approver(who)) principals.push_back(who);
  // A delegate who is an approver of this stage too cannot stand in for another of its approvers
  // when the stage needs more than one approval: one person would satisfy a quorum of two.
  const bool distinct_people = stage.required > 1 && is_approver(who);
  for (const auto& delegation : active_delegations_to(db, who, now))
    if (is_approver(delegation.delegator) && !distinct_people &&
        std::find(principals.begin(), principals.end(), delegation.delegator) == principals.end())
      principals.push_back(delegation.delegator);
  // A repeat without a stage (CLI, an old client) after the stage moved on is a duplicate, not an
  // unauthorized attempt.
  if (principals.empty() && !d.stage && actor_decided(-1))
    return done(Outcome::already_decided, "You already decided an earlier stage of request " + ref +
                                              "; it now waits for " + detail::stage_label(*record, current) +
                                              ". Nothing changed.");
  if (principals.empty())
    return deny(Outcome::not_an_approver,
                "You are not an approver of this stage (" + detail::stage_label(*record, current) + " of request " + ref +
                    "); nothing changed.",
                "not_an_approver");
  // Past an automatic decision's deadline the stage belongs to the workflow, even if the SLA tick
  // has not run yet: a late click must not beat an auto_reject (or auto_approve) that is due.
  if (stage.due_at)
    for (const auto& step_value : stage.escalation) {
      const auto& step = step_value.as_object();
      const auto* action = step.if_contains("action");
      const auto* after = step.if_contains("after_hours");
      if (!action || !action->is_string() || !after || !after->is_number()) continue;
      if (action->as_string() != "auto_reject" && action->as_string() != "auto_approve") continue;
      const auto at = *stage.due_at + static_cast<std::int64_t>(std::llround(after->to_number<double>() * 3600));
      // Refused and audited like any other refused decision; the next SLA tick applies the step.
      if (at <= now)
        return deny(Outcome::stage_not_active,
                    "The deadline of stage " + detail::stage_label(*record, current) + " of request " + ref + " passed at " +
                        format_instant(at) + ": the workflow decides it (" + std::string(action->as_string()) +
                        "). Nothing changed.",
                    "deadline_passed");
      break;
    }

  std::vector<std::string> undecided;
  auto decided = record->decisions_of(current);
  for (const auto& p : principals) {
    bool has = std::any_of(decided.begin(), decided.end(), [&](const DecisionRecord* r) { return r->principal == p; });
    if (!has) undecided.push_back(p);
  }
  if (undecided.empty())
    return done(Outcome::already_decided,
                "You already decided stage " + detail::stage_label(*record, current) + " of request " + ref + "; nothing changed.");

  auto applied = detail::apply_verdict(*this, db, *record, actor, undecided, d.verdict, d.reason,
                                      who == actor ? d.source : d.source + " (for " + who + ", " + d.grant + ")", false, now);
  tx.commit();
  res.outcome = applied.outcome;
  res.message = applied.message;
  res.principals = undecided;
  res.request_status = record->status;
  return res;
}

}  // namespace costbot::approvals
