// The facts of a request as one JSON object: what every template (Slack, Teams, Jira, web) and
// `approvals show --format json` read. Empty values are left out, so a template's
// {{#key}}...{{/key}} section skips them (Mustache treats "" as true).
#include <fmt/format.h>

#include "engine/approvals/internal.hpp"
#include "engine/messages/style.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals::detail {
namespace {

void put(boost::json::object& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

std::string verdict_text(const std::string& verdict) { return verdict == "approve" ? "approved" : "rejected"; }

std::string stage_icon(const std::string& status) {
  if (status == "approved") return "\u2705";  // check mark
  if (status == "rejected") return "\u274C";  // cross
  if (status == "active") return "\u23F3";    // hourglass
  return "\u2022";                            // bullet: not reached yet
}

std::string quorum_text(const StageRecord& s) {
  std::size_t n = s.approvers.size();
  if (s.quorum == "any") return n == 1 ? "1 approver" : "any 1 of " + std::to_string(n);
  if (s.quorum == "all") return "all " + std::to_string(n);
  return std::to_string(s.required) + " of " + std::to_string(n);
}

std::string fact_name(const std::string& key) {
  std::string name = text::replace_all(key, "_", " ");
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

std::string fact_value(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string: return std::string(v.get_string());
    case boost::json::kind::int64: return std::to_string(v.get_int64());
    case boost::json::kind::uint64: return std::to_string(v.get_uint64());
    case boost::json::kind::double_: return fmt::format("{}", v.get_double());
    case boost::json::kind::bool_: return v.get_bool() ? "yes" : "no";
    default: return {};
  }
}

}  // namespace

std::string when_text(UnixSeconds t) {
  Day d = day_of(t);
  auto secs = t - start_of(d);
  return fmt::format("{} {:02d}:{:02d} UTC", fmtx::day_long(d), secs / 3600, (secs / 60) % 60);
}

std::string stage_label(const RequestRecord& record, int idx) {
  const StageRecord* s = record.stage(idx);
  std::string name = s ? "'" + s->name + "'" : "#" + std::to_string(idx + 1);
  return name + " (stage " + std::to_string(idx + 1) + " of " + std::to_string(record.stages.size()) + ")";
}

// The facts are unescaped and name people by id ("requester_user", {"user": ...}, "pending_users"):
// each channel escapes them and names people its own way (engine/messages/style.hpp).
boost::json::object build_view(const config::Config& config, const RequestRecord& r) {
  const std::string& currency = config.currency.base;
  boost::json::object v;
  v["id"] = r.id;
  v["ref"] = "#" + std::to_string(r.id);
  v["subject"] = r.subject();
  v["version"] = r.version;
  v["title"] = r.title;
  // Slack headers hold 150 characters; keep a margin for the prefix.
  std::string header = "Approval #" + std::to_string(r.id) + ": " + r.title;
  if (header.size() > 140) header = header.substr(0, 137) + "...";
  v["header"] = header;
  put(v, "team", r.team);
  v["amount"] = r.amount;
  v["amount_text"] = fmtx::money(r.amount, 2, currency);
  put(v, "severity", r.severity);
  put(v, "kind", r.finding_kind);
  put(v, "finding_id", r.finding_id);
  v["requester"] = r.requester;
  v["requester_user"] = r.requester;
  v["workflow"] = r.workflow;
  v["status"] = r.status;
  v["is_open"] = r.status == "open";
  v["is_approved"] = r.status == "approved";
  v["is_rejected"] = r.status == "rejected";
  v["stage_count"] = static_cast<std::int64_t>(r.stages.size());
  v["created_at"] = r.created_at;
  v["created_text"] = when_text(r.created_at);
  v["request_url"] = config.server.public_url + "/approvals/" + std::to_string(r.id);

  boost::json::array stages, trail;
  for (const auto& s : r.stages) {
    boost::json::object so;
    so["index"] = s.idx;
    so["number"] = s.idx + 1;
    so["name"] = s.name;
    so["status"] = s.status;
    so["icon"] = stage_icon(s.status);
    so["quorum_text"] = quorum_text(s);
    boost::json::array approvers;
    for (const auto& a : s.approvers) approvers.push_back(boost::json::object{{"user", a}});
    so["approvers"] = approvers;
    boost::json::array decisions;
    for (const auto* d : r.decisions_of(s.idx)) {
      boost::json::object dobj;
      dobj["principal"] = d->principal;
      dobj["principal_user"] = d->principal;
      dobj["actor"] = d->actor;
      dobj["actor_user"] = d->actor;
      dobj["by_delegate"] = d->actor != d->principal;
      dobj["verdict"] = d->verdict;
      dobj["verdict_text"] = verdict_text(d->verdict);
      dobj["icon"] = d->verdict == "approve" ? "\u2705" : "\u274C";
      dobj["at"] = d->decided_at;
      dobj["at_text"] = when_text(d->decided_at);
      put(dobj, "reason", d->reason);
      decisions.push_back(dobj);
      boost::json::object t = dobj;
      t["stage_name"] = s.name;
      t["stage_number"] = s.idx + 1;
      trail.push_back(t);
    }
    so["has_decisions"] = !decisions.empty();
    so["decisions"] = decisions;
    if (s.due_at && s.status == "active") so["due_text"] = when_text(*s.due_at);
    stages.push_back(so);
  }
  v["stages"] = stages;
  v["has_trail"] = !trail.empty();
  v["trail"] = trail;

  if (r.status == "open" && r.current_stage) {
    if (const StageRecord* s = r.stage(*r.current_stage)) {
      boost::json::object cur;
      cur["index"] = s->idx;
      cur["number"] = s->idx + 1;
      cur["name"] = s->name;
      cur["quorum_text"] = quorum_text(*s);
      int approvals = 0;
      std::vector<std::string> decided;
      for (const auto* d : r.decisions_of(s->idx)) {
        decided.push_back(d->principal);
        approvals += d->verdict == "approve";
      }
      cur["approvals"] = approvals;
      cur["required"] = s->required;
      boost::json::array pending, pending_users;
      for (const auto& a : s->approvers)
        if (std::find(decided.begin(), decided.end(), a) == decided.end()) {
          pending.push_back(boost::json::object{{"user", a}});
          pending_users.push_back(boost::json::value(a));
        }
      cur["pending"] = pending;
      cur["pending_users"] = pending_users;
      if (s->due_at) cur["due_text"] = when_text(*s->due_at);
      // Chat buttons carry "<request>:<stage>", so a late click never lands on a later stage.
      cur["button_value"] = std::to_string(r.id) + ":" + std::to_string(s->idx);
      v["current"] = cur;
    }
  }

  std::string status_text;
  if (r.status == "open" && r.current_stage)
    status_text = "Waiting for " + (r.stage(*r.current_stage) ? r.stage(*r.current_stage)->name : std::string("?")) +
                  " (stage " + std::to_string(*r.current_stage + 1) + " of " + std::to_string(r.stages.size()) + ")";
  else if (r.status == "approved")
    status_text = "Approved";
  else if (r.status == "rejected")
    status_text = "Rejected";
  else
    status_text = r.status;
  if (r.ticket) {
    status_text += " \u00B7 ticket " + r.ticket->key;
    if (!r.ticket->status.empty()) status_text += " (" + r.ticket->status + ")";
  }
  v["status_text"] = status_text;
  if (r.status == "rejected")
    v["rejection_reason"] = (r.rejection_reason.empty() ? "no reason given" : r.rejection_reason);
  if (r.outcome == "done") v["outcome_text"] = "Ticket done";
  else if (r.outcome == "wont_do") v["outcome_text"] = "Ticket closed without action (" + (r.ticket ? r.ticket->status : "") + ")";

  if (r.ticket) {
    boost::json::object t;
    // Distinct names: Mustache would otherwise find the request's own "status" inside {{#ticket}}.
    t["ticket_key"] = r.ticket->key;
    put(t, "ticket_url", r.ticket->url);
    put(t, "ticket_status", r.ticket->status);
    v["ticket"] = t;
  }

  // Finding facts: the known ones by name, the rest as "Name: value" lines.
  boost::json::array fact_lines;
  auto line = [&](const std::string& name, const std::string& value) {
    if (!value.empty()) fact_lines.push_back({{"name", name}, {"value", value}});
  };
  line("Dollar impact", fmtx::money(r.amount, 2, currency));
  line("Team", r.team);
  line("Severity", r.severity);
  line("Finding", r.finding_id.empty() ? "" : r.finding_id + (r.finding_kind.empty() ? "" : " (" + r.finding_kind + ")"));
  for (const auto& kv : r.facts) {
    std::string key(kv.key());
    std::string value = fact_value(kv.value());
    if (key == "summary" || key == "chart_url" || key == "recommendation") {
      if (value.size() > 1500) value = value.substr(0, 1497) + "...";  // Slack sections hold 3000
      put(v, key.c_str(), key == "chart_url" ? value : value);
      continue;
    }
    line(fact_name(key), value);
  }
  line("Requested by", r.requester == "costbot" ? "costbot (automatic)" : r.requester);
  line("Workflow", r.workflow);
  v["fact_lines"] = fact_lines;
  v["actions"] = web_actions(r);
  return v;
}

// The web channel draws its buttons from "actions" (verb, label, subject) and posts the click
// back as a ChatAction; subjects carry the stage like the chat buttons do.
boost::json::array web_actions(const RequestRecord& r) {
  boost::json::array actions;
  if (r.status == "open" && r.current_stage) {
    std::string staged = r.subject() + ":" + std::to_string(*r.current_stage);
    actions.push_back({{"verb", "approve"}, {"label", "Approve"}, {"subject", staged}});
    actions.push_back({{"verb", "reject"}, {"label", "Reject"}, {"subject", staged}});
  }
  actions.push_back({{"verb", "details"}, {"label", "Details"}, {"subject", r.subject()}});
  return actions;
}

}  // namespace costbot::approvals::detail

namespace costbot::approvals {

boost::json::object Approvals::view(const RequestRecord& record) const {
  return messages::styled(detail::build_view(config_, record), messages::plain_style()).as_object();
}

}  // namespace costbot::approvals
