// SLA escalation. A stage's steps fire at due_at + after_hours; each step is performed in its own
// transaction together with its approval_escalations row, whose primary key makes it happen at
// most once however often (or however late) tick runs. auto_approve / auto_reject decide through
// the same path as a click, as the actor "system".
#include <cmath>

#include "engine/approvals/internal.hpp"
#include "engine/audit/audit.hpp"

namespace costbot::approvals {
namespace {

struct DueStage {
  std::int64_t request_id;
  int idx;
};

std::vector<DueStage> stages_past_sla(storage::Database& db, UnixSeconds now) {
  SQLite::Statement q(db.sql(),
                      "SELECT s.request_id, s.idx FROM approval_stages s JOIN approval_requests r ON r.id = s.request_id "
                      "WHERE s.status = 'active' AND r.status = 'open' AND s.due_at <= ? ORDER BY s.due_at, s.request_id");
  q.bind(1, static_cast<std::int64_t>(now));
  std::vector<DueStage> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt()});
  return out;
}

bool step_done(storage::Database& db, std::int64_t request_id, int stage, int step) {
  SQLite::Statement q(db.sql(),
                      "SELECT 1 FROM approval_escalations WHERE request_id = ? AND stage_idx = ? AND step_idx = ?");
  q.bind(1, request_id);
  q.bind(2, stage);
  q.bind(3, step);
  return q.executeStep();
}

std::vector<std::string> strings_of(const boost::json::value& v) {
  std::vector<std::string> out;
  if (v.is_array())
    for (const auto& s : v.as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

double number_of(const boost::json::value& v) { return v.is_number() ? v.to_number<double>() : 0.0; }

}  // namespace

TickReport Approvals::tick(storage::Database& db, UnixSeconds now) const {
  TickReport report;
  for (const auto& due : stages_past_sla(db, now)) {
    // One step per transaction, re-checked inside it: a click or another ticker may have moved
    // the request since the scan.
    for (;;) {
      auto tx = db.begin_write();
      auto record = load_request(db, due.request_id);
      if (!record || record->status != "open" || record->current_stage != due.idx) break;
      const StageRecord& stage = *record->stage(due.idx);
      if (!stage.due_at) break;
      int step_idx = -1;
      for (std::size_t i = 0; i < stage.escalation.size(); ++i) {
        const auto& step = stage.escalation[i].as_object();
        auto at = *stage.due_at + static_cast<std::int64_t>(std::llround(number_of(step.at("after_hours")) * 3600));
        if (at > now) break;  // steps are in order of time
        if (!step_done(db, record->id, due.idx, static_cast<int>(i))) {
          step_idx = static_cast<int>(i);
          break;
        }
      }
      if (step_idx < 0) break;
      const auto& step = stage.escalation[step_idx].as_object();
      std::string action(step.at("action").as_string());
      double after = number_of(step.at("after_hours"));

      SQLite::Statement mark(db.sql(),
                             "INSERT INTO approval_escalations(request_id, stage_idx, step_idx, action, done_at) "
                             "VALUES (?, ?, ?, ?, ?)");
      mark.bind(1, record->id);
      mark.bind(2, due.idx);
      mark.bind(3, step_idx);
      mark.bind(4, action);
      mark.bind(5, static_cast<std::int64_t>(now));
      mark.exec();

      std::vector<std::string> people;
      if (action == "remind") {
        auto decided = record->decisions_of(due.idx);
        for (const auto& a : stage.approvers)
          if (std::none_of(decided.begin(), decided.end(), [&](const DecisionRecord* d) { return d->principal == a; }))
            people.push_back(a);
      } else if (action == "notify") {
        people = strings_of(step.at("notify"));
      }
      boost::json::array people_json;
      for (const auto& p : people) people_json.push_back(boost::json::value(p));
      audit::append(db,
                    {"system", "escalation." + action, record->subject(),
                     {{"stage", due.idx}, {"stage_name", stage.name}, {"step", step_idx}, {"after_hours", after},
                      {"people", people_json}}},
                    now);
      std::string line = "request #" + std::to_string(record->id) + " stage " + detail::stage_label(*record, due.idx) +
                         ": " + action;
      if (action == "remind" || action == "notify") {
        detail::queue_escalation_notice(*this, db, *record, due.idx, step_idx, action, people, now);
        (action == "remind" ? report.reminders : report.notifications)++;
        if (!people.empty()) {
          line += " ";
          for (std::size_t i = 0; i < people.size(); ++i) line += (i ? ", " : "") + people[i];
        }
      } else {
        bool approve = action == "auto_approve";
        std::string reason = std::string("No decision within ") + std::to_string(stage.sla_seconds / 3600) +
                             "h SLA + " + std::to_string(static_cast<long long>(after)) + "h: automatically " +
                             (approve ? "approved" : "rejected") + " by the workflow's escalation rule.";
        auto applied = detail::apply_verdict(*this, db, *record, "system", {"system"},
                                             approve ? Verdict::approve : Verdict::reject, reason, "escalation", true, now);
        (approve ? report.auto_approved : report.auto_rejected)++;
        line += " → " + std::string(to_string(applied.outcome));
      }
      tx.commit();
      report.lines.push_back(line);
    }
  }
  return report;
}

}  // namespace costbot::approvals
