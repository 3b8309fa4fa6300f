// `costbot approvals ...`: open, inspect and decide approval requests from the shell, manage
// delegations, and run the SLA escalation once. Chat and REST reach the same engine calls.
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {

namespace {

using approvals::Approvals;

Approvals engine_for(Context& ctx) { return Approvals(ctx.config(), render::Templates(Context::project_path("templates"))); }

std::string when(UnixSeconds t) { return format_instant(t); }

// "2024-10-01" means through the end of that day (UTC); an instant is taken as is.
UnixSeconds parse_until(const std::string& text, const char* flag) {
  if (auto day = parse_day(text)) return start_of(*day + std::chrono::days{1});
  if (auto t = parse_instant(text)) return *t;
  throw invalid_input(std::string(flag) + ": expected a date like 2024-10-01 or an instant like 2024-10-01T18:00:00Z, got \"" +
                      text + "\"");
}

UnixSeconds parse_start(const std::string& text, const char* flag) {
  if (auto day = parse_day(text)) return start_of(*day);
  if (auto t = parse_instant(text)) return *t;
  throw invalid_input(std::string(flag) + ": expected a date like 2024-10-01, got \"" + text + "\"");
}

void print_list(Context& ctx, bool open_only, const std::string& format) {
  auto requests = approvals::list_requests(ctx.database(), open_only);
  const std::string& currency = ctx.config().currency.base;
  if (format == "json") {
    boost::json::array items;
    for (const auto& r : requests)
      items.push_back({{"id", r.id},
                       {"title", r.title},
                       {"team", r.team},
                       {"amount", r.amount},
                       {"severity", r.severity},
                       {"status", r.status},
                       {"stage", r.current_stage ? boost::json::value(*r.current_stage + 1) : boost::json::value(nullptr)},
                       {"workflow", r.workflow},
                       {"requester", r.requester},
                       {"finding_id", r.finding_id},
                       {"created_at", when(r.created_at)}});
    print_json(std::cout, items);
    return;
  }
  Table t;
  t.headers = {"id", "status", "stage", "amount", "team", "workflow", "requester", "title"};
  t.right_aligned = {true, false, true, true, false, false, false, false};
  for (const auto& r : requests)
    t.rows.push_back({std::to_string(r.id), r.status, r.current_stage ? std::to_string(*r.current_stage + 1) : "-",
                      fmtx::money(r.amount, 2, currency), r.team, r.workflow, r.requester, r.title});
  print_table(std::cout, t);
  if (requests.empty()) std::cout << (open_only ? "(no open requests)\n" : "(no requests)\n");
}

void print_show(Context& ctx, std::int64_t id, const std::string& format) {
  auto& db = ctx.database();
  auto record = approvals::load_request(db, id);
  if (!record) throw not_found("there is no approval request #" + std::to_string(id));
  auto engine = engine_for(ctx);
  auto trail = audit::list(db, record->subject());
  if (format == "json") {
    auto view = engine.view(*record);
    boost::json::array audit_rows;
    for (const auto& row : trail)
      audit_rows.push_back({{"id", row.id}, {"at", when(row.at)}, {"actor", row.actor}, {"action", row.action},
                            {"details", json_or_text(row.details)}});
    view["audit"] = audit_rows;
    print_json(std::cout, view);
    return;
  }
  const auto& r = *record;
  std::cout << "Approval #" << r.id << ": " << r.title << "\n";
  std::cout << "  status     " << r.status;
  if (r.current_stage) std::cout << " (waiting for stage " << *r.current_stage + 1 << " of " << r.stages.size() << ")";
  if (!r.outcome.empty()) std::cout << ", ticket outcome " << r.outcome;
  std::cout << "\n  impact     " << fmtx::money(r.amount, 2, ctx.config().currency.base) << "\n";
  if (!r.team.empty()) std::cout << "  team       " << r.team << "\n";
  if (!r.severity.empty()) std::cout << "  severity   " << r.severity << "\n";
  if (!r.finding_id.empty()) std::cout << "  finding    " << r.finding_id << " " << r.finding_kind << "\n";
  std::cout << "  requester  " << r.requester << " at " << when(r.created_at) << "\n";
  std::cout << "  workflow   " << r.workflow << "\n";
  if (r.status == "rejected") std::cout << "  rejected   " << (r.rejection_reason.empty() ? "(no reason given)" : r.rejection_reason) << "\n";
  if (r.ticket)
    std::cout << "  ticket     " << r.ticket->key << (r.ticket->url.empty() ? "" : " " + r.ticket->url)
              << (r.ticket->status.empty() ? "" : " (" + r.ticket->status + ")") << "\n";
  std::cout << "Stages:\n";
  for (const auto& s : r.stages) {
    std::string quorum = s.quorum == "any" ? "any" : s.quorum == "all" ? "all" : s.quorum + " of " + std::to_string(s.approvers.size());
    std::cout << fmt::format("  {}. {} [{}] quorum {} (needs {}), approvers {}", s.idx + 1, s.name, s.status, quorum,
                             s.required, text::join(s.approvers, ", "));
    if (s.due_at && s.status == "active") std::cout << ", due " << when(*s.due_at);
    std::cout << "\n";
    for (const auto* d : r.decisions_of(s.idx)) {
      std::cout << "       " << d->verdict << " by " << d->principal;
      if (d->actor != d->principal) std::cout << " (acting: " << d->actor << ")";
      std::cout << " at " << when(d->decided_at) << " via " << d->source;
      if (!d->reason.empty()) std::cout << ": " << d->reason;
      std::cout << "\n";
    }
  }
  std::cout << "Audit trail:\n";
  for (const auto& row : trail)
    std::cout << fmt::format("  #{} {} {} {} {}\n", row.id, when(row.at), row.actor, row.action, row.details);
}

struct RequestOptions {
  std::string title, team, finding, severity, kind, requester, workflow, summary, chart_url;
  double amount = -1;
};

void run_request(Context& ctx, const RequestOptions& o) {
  approvals::RequestFacts facts;
  facts.title = o.title;
  facts.team = o.team;
  facts.amount = o.amount;
  facts.finding_id = o.finding;
  facts.severity = o.severity;
  facts.kind = o.kind;
  facts.requester = o.requester;
  facts.workflow = o.workflow;
  if (!o.summary.empty()) facts.facts["summary"] = o.summary;
  if (!o.chart_url.empty()) facts.facts["chart_url"] = o.chart_url;
  auto result = engine_for(ctx).create_request(ctx.database(), facts, default_clock().now());
  std::cout << "Approval request #" << result.id << " opened (workflow " << result.workflow << ").\n";
}

struct DecideOptions {
  std::int64_t id = 0;
  std::string actor, reason, source = "cli";
  bool approve = false, reject = false;
  int stage = 0;  // 1-based; 0 = the current stage
  std::string format = "text";
};

void run_decide(Context& ctx, const DecideOptions& o) {
  if (o.approve == o.reject) throw invalid_input("give exactly one of --approve or --reject");
  approvals::Decision d;
  d.request_id = o.id;
  d.actor = o.actor;
  d.verdict = o.approve ? approvals::Verdict::approve : approvals::Verdict::reject;
  d.reason = o.reason;
  d.source = o.source;
  if (o.stage > 0) d.stage = o.stage - 1;
  auto result = engine_for(ctx).decide(ctx.database(), d, default_clock().now());
  if (o.format == "json") {
    boost::json::array principals;
    for (const auto& p : result.principals) principals.push_back(boost::json::value(p));
    print_json(std::cout, boost::json::object{{"outcome", approvals::to_string(result.outcome)},
                                              {"message", result.message},
                                              {"request_id", result.request_id},
                                              {"stage", result.stage + 1},
                                              {"status", result.request_status},
                                              {"principals", principals}});
  }
  using approvals::Outcome;
  switch (result.outcome) {
    case Outcome::applied:
    case Outcome::stage_advanced:
    case Outcome::approved_final:
    case Outcome::rejected:
    case Outcome::already_decided:  // idempotent: a repeat is not a failure
      if (o.format != "json") std::cout << result.message << "\n";
      return;
    case Outcome::not_an_approver:
    case Outcome::self_approval_forbidden: throw Error(ErrorKind::forbidden, result.message);
    case Outcome::stage_not_active:
    case Outcome::request_closed: throw Error(ErrorKind::conflict, result.message);
    case Outcome::not_found: throw not_found(result.message);
  }
}

struct DelegateOptions {
  std::string from, to, until, starting, reason, by;
};

void run_delegate(Context& ctx, const DelegateOptions& o) {
  auto now = default_clock().now();
  approvals::Delegation d;
  d.delegator = o.from;
  d.delegate = o.to;
  d.starts_at = o.starting.empty() ? now : parse_start(o.starting, "--starting");
  d.ends_at = parse_until(o.until, "--until");
  d.reason = o.reason;
  d.created_by = o.by.empty() ? o.from : o.by;
  auto id = engine_for(ctx).delegate(ctx.database(), d, now);
  std::cout << "Delegation " << id << ": " << d.delegate << " decides for " << d.delegator << " from "
            << when(d.starts_at) << " until " << when(d.ends_at) << ".\n";
}

void print_delegations(Context& ctx, bool active_only) {
  auto now = default_clock().now();
  Table t;
  t.headers = {"id", "approver", "delegate", "from", "until", "state", "reason"};
  for (const auto& d : approvals::list_delegations(ctx.database())) {
    std::string state = d.revoked_at ? "revoked" : d.active_at(now) ? "active" : d.ends_at <= now ? "expired" : "scheduled";
    if (active_only && state != "active") continue;
    t.rows.push_back({std::to_string(d.id), d.delegator, d.delegate, when(d.starts_at), when(d.ends_at), state, d.reason});
  }
  print_table(std::cout, t);
}

}  // namespace

void add_approvals_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("approvals", "Approval workflows: list, show, request, decide, delegate, escalate");
  cmd->require_subcommand(1);

  {
    auto open_only = std::make_shared<bool>(false);
    auto format = std::make_shared<std::string>("table");
    auto* sub = cmd->add_subcommand("list", "List approval requests, newest first");
    sub->add_flag("--open", *open_only, "Only requests still waiting for a decision");
    sub->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
    sub->callback([&ctx, open_only, format] { print_list(ctx, *open_only, *format); });
  }
  {
    auto id = std::make_shared<std::int64_t>(0);
    auto format = std::make_shared<std::string>("text");
    auto* sub = cmd->add_subcommand("show", "Show a request: stages, decisions, ticket and its audit trail");
    sub->add_option("id", *id, "Request id")->required();
    sub->add_option("--format", *format, "text or json (the facts every message template gets)")
        ->check(CLI::IsMember({"text", "json"}));
    sub->callback([&ctx, id, format] { print_show(ctx, *id, *format); });
  }
  {
    auto o = std::make_shared<RequestOptions>();
    auto* sub = cmd->add_subcommand("request", "Open an approval request (the workflow follows the amount's tier)");
    sub->add_option("--title", o->title, "What is to be approved")->required();
    sub->add_option("--team", o->team, "Team name from the config (resolves role approvers)");
    sub->add_option("--amount", o->amount, "Dollar impact in the base currency (chooses the tier)")->required();
    sub->add_option("--requester", o->requester, "User id of the requester (never an approver of it)")->required();
    sub->add_option("--finding", o->finding, "Finding id this request is about (one request per finding)");
    sub->add_option("--severity", o->severity, "info, low, medium, high or critical");
    sub->add_option("--kind", o->kind, "Finding kind, e.g. idle_compute");
    sub->add_option("--workflow", o->workflow, "Use this workflow instead of the tier's");
    sub->add_option("--summary", o->summary, "One paragraph shown in the messages and the ticket");
    sub->add_option("--chart-url", o->chart_url, "Link to the cost chart");
    sub->callback([&ctx, o] { run_request(ctx, *o); });
  }
  {
    auto o = std::make_shared<DecideOptions>();
    auto* sub = cmd->add_subcommand("decide", "Approve or reject the current stage of a request as a user");
    sub->add_option("id", o->id, "Request id")->required();
    sub->add_option("--actor", o->actor, "User id of the approver (or their delegate)")->required();
    sub->add_flag("--approve", o->approve, "Approve");
    sub->add_flag("--reject", o->reject, "Reject (the whole request)");
    sub->add_option("--reason", o->reason, "Why (shown in every copy of the message and the ticket)");
    sub->add_option("--stage", o->stage, "The stage this decision is for, 1-based (default: the current one)");
    sub->add_option("--source", o->source, "Recorded channel: cli, api, slack, teams, web");
    sub->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    sub->callback([&ctx, o] { run_decide(ctx, *o); });
  }
  {
    auto o = std::make_shared<DelegateOptions>();
    auto* sub = cmd->add_subcommand("delegate", "Let someone decide for an approver during a period");
    sub->add_option("--from", o->from, "The approver who is away")->required();
    sub->add_option("--to", o->to, "Who decides for them")->required();
    sub->add_option("--until", o->until, "Last day (inclusive, UTC) or an instant")->required();
    sub->add_option("--starting", o->starting, "First day (default: now)");
    sub->add_option("--reason", o->reason, "Why, e.g. vacation");
    sub->add_option("--by", o->by, "Who sets this up (default: the approver)");
    sub->callback([&ctx, o] { run_delegate(ctx, *o); });
  }
  {
    auto active = std::make_shared<bool>(false);
    auto* sub = cmd->add_subcommand("delegations", "List delegations");
    sub->add_flag("--active", *active, "Only those in force now");
    sub->callback([&ctx, active] { print_delegations(ctx, *active); });
  }
  {
    auto id = std::make_shared<std::int64_t>(0);
    auto actor = std::make_shared<std::string>();
    auto* sub = cmd->add_subcommand("revoke-delegation", "End a delegation now");
    sub->add_option("id", *id, "Delegation id")->required();
    sub->add_option("--actor", *actor, "Who revokes it")->required();
    sub->callback([&ctx, id, actor] {
      engine_for(ctx).revoke_delegation(ctx.database(), *id, *actor, default_clock().now());
      std::cout << "Delegation " << *id << " revoked.\n";
    });
  }
  {
    auto* sub = cmd->add_subcommand("tick", "Run the SLA escalation once (the scheduler does this every minute)");
    sub->callback([&ctx] {
      auto report = engine_for(ctx).tick(ctx.database(), default_clock().now());
      for (const auto& line : report.lines) std::cout << line << "\n";
      std::cout << fmt::format("{} reminders, {} notifications, {} auto-approved, {} auto-rejected\n", report.reminders,
                               report.notifications, report.auto_approved, report.auto_rejected);
    });
  }
  {
    auto id = std::make_shared<std::int64_t>(0);
    auto key = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    auto* sub = cmd->add_subcommand("record-ticket", "Record the ticket opened for an approved request");
    sub->add_option("id", *id, "Request id")->required();
    sub->add_option("--key", *key, "Ticket key, e.g. FIN-12")->required();
    sub->add_option("--url", *url, "Ticket URL");
    sub->callback([&ctx, id, key, url] {
      auto r = engine_for(ctx).record_ticket(ctx.database(), *id, *key, *url, default_clock().now());
      if (r.outcome == approvals::TicketOutcome::not_found) throw not_found(r.message);
      if (r.outcome == approvals::TicketOutcome::conflict) throw Error(ErrorKind::conflict, r.message);
      std::cout << r.message << "\n";
    });
  }
  {
    auto key = std::make_shared<std::string>();
    auto status = std::make_shared<std::string>();
    auto category = std::make_shared<std::string>();
    auto* sub = cmd->add_subcommand("ticket-status", "Record that a ticket moved (as the Jira webhook does)");
    sub->add_option("key", *key, "Ticket key")->required();
    sub->add_option("--status", *status, "Status name, e.g. Done or \"Won't Do\"")->required();
    sub->add_option("--category", *category, "Status category: new, indeterminate, done")
        ->required()
        ->check(CLI::IsMember({"new", "indeterminate", "done"}));
    sub->callback([&ctx, key, status, category] {
      auto r = engine_for(ctx).ticket_status_changed(ctx.database(), *key, *status, *category, default_clock().now());
      if (r.outcome == approvals::TicketOutcome::not_found) throw not_found(r.message);
      std::cout << r.message << "\n";
    });
  }
}

}  // namespace costbot::cli
