// The approvals chat commands, through the shared grammar (bot/commands):
//   approvals [mine]          open requests; "mine": those waiting for you (or someone you stand
//                             in for) and those you asked for
//   request ticket FINDING_ID open an approval request for a detection finding; its workflow ends
//                             in a ticket
// ("approve ID" and "reject ID REASON" are ChatActions: bot/service/decision_commands.cpp.)
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "bot/approvals/app.hpp"
#include "bot/service/service.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/tickets/finding_requests.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::approvals_app {
namespace {


// Who the current stage still waits for, and whether `user` (or someone it stands in for) is one.
struct Waiting {
  std::vector<std::string> pending;
  bool on_user = false;
};

Waiting waiting_for(storage::Database& db, const approvals::RequestRecord& r, const std::string& user, UnixSeconds now) {
  Waiting w;
  if (!r.current_stage) return w;
  const auto* stage = r.stage(*r.current_stage);
  if (!stage) return w;
  std::set<std::string> decided;
  for (const auto* d : r.decisions_of(stage->idx)) decided.insert(d->principal);
  std::set<std::string> stands_for{user};
  for (const auto& d : approvals::active_delegations_to(db, user, now)) stands_for.insert(d.delegator);
  for (const auto& a : stage->approvers) {
    if (decided.count(a)) continue;
    w.pending.push_back(a);
    if (stands_for.count(a) && user != r.requester) w.on_user = true;
  }
  return w;
}

chat::Reply list_approvals(App& app, const commands::Approvals& command, commands::Invocation& inv) {
  auto& db = *inv.db;
  const std::string& me = inv.actor.user_id;
  chat::TableBlock table;
  table.columns = {"#", "title", "impact", "stage", "waiting for"};
  table.right_aligned = {true, false, true, false, false};
  int shown = 0;
  for (const auto& summary : approvals::list_requests(db, true)) {
    auto r = approvals::load_request(db, summary.id);
    if (!r) continue;
    auto waiting = waiting_for(db, *r, me, inv.now);
    bool mine = waiting.on_user || r->requester == me;
    if (command.mine && !mine) continue;
    const auto* stage = r->current_stage ? r->stage(*r->current_stage) : nullptr;
    std::string who = text::join(waiting.pending, ", ");
    if (waiting.on_user) who = "you" + std::string(who.empty() ? "" : " (" + who + ")");
    table.rows.push_back({std::to_string(r->id), r->title, fmtx::money(r->amount, 0, app.config().currency.base),
                          stage ? fmt::format("{} ({}/{})", stage->name, stage->idx + 1, r->stages.size()) : "-", who});
    if (++shown == 20) break;
  }
  chat::Reply reply;
  reply.title = command.mine ? "Approvals waiting for you or asked by you" : "Open approval requests";
  if (table.rows.empty()) {
    reply.text(command.mine ? "Nothing waits for you, and you have no open requests." : "There are no open approval requests.");
  } else {
    reply.table(std::move(table));
    reply.context("Decide with `approve ID` or `reject ID REASON`; `approvals mine` shows only yours.");
  }
  reply.fallback = reply.title;
  return reply;
}

chat::Reply request_ticket(App& app, const commands::RequestTicket& command, commands::Invocation& inv) {
  auto& db = *inv.db;
  const std::string finding_ref = "F" + std::to_string(command.finding_id);
  auto finding = detect::FindingStore(db).finding(command.finding_id);
  if (!finding) return chat::Reply::plain("There is no finding " + finding_ref + ". `anomalies` lists the open ones.");
  if (auto existing = approvals::request_for_finding(db, finding_ref)) {
    auto r = approvals::load_request(db, *existing);
    return chat::Reply::plain(finding_ref + " already has approval request #" + std::to_string(*existing) + " (" +
                (r ? r->status : std::string("?")) + (r && r->ticket ? ", ticket " + r->ticket->key : "") +
                "); nothing changed.");
  }
  auto known = tickets::finding_facts(app.config(), *finding);
  approvals::RequestFacts facts;
  facts.title = known.title;
  facts.team = app.config().find_team(known.team) ? known.team : "";
  facts.amount = known.amount;
  facts.severity = known.severity;
  facts.kind = known.kind;
  facts.requester = inv.actor.user_id;
  facts.finding_id = known.id;
  facts.facts = known.facts;
  if (!known.team.empty() && facts.team.empty()) facts.facts["reported_team"] = known.team;
  approvals::CreateResult created;
  try {
    created = app.engine->create_request(db, facts, inv.now);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::invalid_input && e.kind() != ErrorKind::conflict) throw;
    return chat::Reply::plain("Could not open a request for " + finding_ref + ": " + e.what());
  }
  app.svc.wake_outbox();
  auto r = approvals::load_request(db, created.id);
  auto waiting = r ? waiting_for(db, *r, inv.actor.user_id, inv.now) : Waiting{};
  const auto* stage = r && r->current_stage ? r->stage(*r->current_stage) : nullptr;
  spdlog::info("approval #{} opened for {} by {}:{} (workflow {})", created.id, finding_ref, inv.actor.platform,
               inv.actor.user_id, created.workflow);
  chat::Reply reply;
  reply.text(fmt::format("Approval request *#{}* opened for {} ({}, workflow `{}`).", created.id, finding_ref,
                         fmtx::money(facts.amount, 0, app.config().currency.base), created.workflow));
  if (stage)
    reply.context(fmt::format("Waiting for {} ({}); the ticket is opened once every stage approves.", stage->name,
                              text::join(waiting.pending, ", ")));
  reply.fallback = reply.summary();
  return reply;
}

}  // namespace

void register_commands(const std::shared_ptr<App>& app) {
  auto& commands = app->svc.commands();
  commands.on("approvals", [app](const commands::Command& c, commands::Invocation& inv) {
    return list_approvals(*app, std::get<commands::Approvals>(c), inv);
  });
  commands.on("request", [app](const commands::Command& c, commands::Invocation& inv) {
    return request_ticket(*app, std::get<commands::RequestTicket>(c), inv);
  });
}

}  // namespace costbot::approvals_app
