// `costbot render --finding ID --persona NAME --channel slack|teams|email|jira|web`: the message
// that persona would get, exactly as it would be sent: Slack's chat.postMessage body, the Teams
// message activity, the email as handed to the SMTP server, the Jira ADF document, the web text.
// `--event escalation` shows the escalation notice; `--digest daily|weekly` a persona's digest.
#include <algorithm>
#include <iostream>

#include "adapters/email/message_render.hpp"
#include "adapters/email/smtp_client.hpp"
#include "adapters/slack/message_render.hpp"
#include "adapters/teams/message_render.hpp"
#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "bot/web/web_feed.hpp"
#include "engine/alerts/digest.hpp"
#include "engine/alerts/escalation.hpp"
#include "engine/alerts/facts.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {
namespace {
namespace json = boost::json;

struct RenderOptions {
  std::string finding, persona, channel, event, digest;
};

json::object escalation_sample(const config::Config& config, const alerts::SubjectView& s) {
  auto people = alerts::escalation_people(config, s.finding.team, config.alerts.escalation.manager_role);
  json::array list, users;
  for (const auto& p : people) {
    list.push_back(json::object{{"user", p}});
    users.push_back(json::value(p));
  }
  json::object esc{{"level", "manager"},
                   {"is_manager", true},
                   {"is_director", false},
                   {"role", config.alerts.escalation.manager_role},
                   {"hours_text", std::to_string(static_cast<int>(config.alerts.escalation.manager_after_hours)) + " hours"},
                   {"since_text", alerts::when_text(default_clock().now())},
                   {"people", list},
                   {"people_users", users},
                   {"has_people", !people.empty()}};
  return esc;
}

void run_render(Context& ctx, const RenderOptions& o) {
  const auto& config = ctx.config();
  const auto* persona = config.personas.find(o.persona);
  if (!persona) {
    auto names = config.personas.names(false);
    auto guess = text::closest(o.persona, names);
    throw invalid_input("--persona: no persona \"" + o.persona + "\"" + (guess ? " (did you mean " + *guess + "?)" : "") +
                        "; personas: " + text::join(names, ", "));
  }
  auto channel = alerts::parse_channel(o.channel);
  if (!channel) throw invalid_input("--channel: expected slack, teams, email, jira or web");
  auto& db = ctx.database();
  render::Templates templates(Context::project_path("templates"));
  alerts::MessageRenderer renderer(templates, config);
  const UnixSeconds now = default_clock().now();

  json::object context;
  std::string event, subject;
  if (!o.digest.empty()) {
    if (!o.finding.empty()) throw invalid_input("give --finding or --digest, not both");
    context = alerts::digest_context(db, config, *persona, o.digest, now);
    event = "digest";
    subject = std::string(context.at("subject").as_string());
    context["web_title"] = context.at("period_label");
  } else {
    if (o.finding.empty()) throw invalid_input("--finding is required (or --digest daily|weekly)");
    auto ref = alerts::load_finding(db, o.finding);
    alerts::SubjectCache cache(db, config);
    auto* s = cache.get(alerts::subject_of(ref.finding));
    if (!s) throw not_found("no alert subject for " + o.finding);
    if (ref.finding.id != s->finding.id) {  // an older finding of the incident: show that one
      s->finding = ref.finding;
      s->facts = alerts::finding_facts(db, config, ref.finding, ref.incident);
      s->facts["subject"] = s->subject;
      s->facts["severity"] = s->severity;
    }
    event = o.event.empty() ? std::string(s->facts.at("event").as_string()) : o.event;
    if (event == "group") {
      context = alerts::group_context(config, {s});
    } else {
      context = alerts::item_context(config, *s, 1);
      context["actions"] = alerts::web_actions(config, *s);
      if (event == "escalation") context["escalation"] = escalation_sample(config, *s);
    }
    subject = s->subject;
  }
  auto events = alerts::event_names();
  if (std::find(events.begin(), events.end(), event) == events.end())
    throw invalid_input("--event: expected one of " + text::join(events, ", "));
  // The message as delivery renders it, through the same renderers.
  auto message = renderer.message(*persona, *channel, event, subject, context, 1);

  std::vector<alerts::Target> targets;
  std::vector<alerts::SkippedTarget> skipped;
  alerts::persona_targets(db, config, *persona, "", "", targets, skipped);
  auto first_target = [&](const std::string& kind) {
    for (const auto& t : targets)
      if (t.channel_kind == kind) return t.address;
    return std::string();
  };
  switch (*channel) {
    case alerts::Channel::slack: {
      auto body = slack::render_body(templates, message);
      if (auto target = first_target("slack"); !target.empty()) body["channel"] = target;
      print_json(std::cout, body);
      break;
    }
    case alerts::Channel::teams: print_json(std::cout, teams::render_message_activity(templates, message)); break;
    case alerts::Channel::jira:
      print_json(std::cout, messages::render_template(templates, "jira", message, messages::plain_style()).json);
      break;
    case alerts::Channel::email: {
      messages::Email mail;
      for (const auto& e : persona->deliver.email) mail.to.push_back(e);
      if (mail.to.empty()) mail.to.push_back("(no address: personas." + persona->name + ".deliver.email)");
      mail.message = message;
      std::cout << email::format_message(config.email.from, email::render_email(templates, mail), now);
      break;
    }
    case alerts::Channel::web: std::cout << web::render_post(templates, "persona:" + persona->name, message).text; break;
  }
}

}  // namespace

void add_render_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RenderOptions>();
  auto* cmd = app.add_subcommand("render", "Print the message a persona would get for a finding (or its digest), exactly as sent");
  cmd->add_option("--finding", o->finding, "Finding id (12 or F12) or incident id (I7)");
  cmd->add_option("--persona", o->persona, "Persona (see `costbot personas`)")->required();
  cmd->add_option("--channel", o->channel, "slack, teams, email, jira or web")->required();
  cmd->add_option("--event", o->event, "anomaly, waste, budget, group, escalation (default: from the finding's kind)");
  cmd->add_option("--digest", o->digest, "daily or weekly: render the persona's digest instead")
      ->check(CLI::IsMember({"daily", "weekly"}));
  cmd->callback([&ctx, o] { run_render(ctx, *o); });
}

}  // namespace costbot::cli
