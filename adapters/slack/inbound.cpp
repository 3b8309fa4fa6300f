#include "adapters/slack/inbound.hpp"

#include <boost/json.hpp>

#include "adapters/http/form.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::slack {
namespace json = boost::json;
namespace {

json::object parse_slack_json(std::string_view text, const char* what) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  auto value = json::parse(text, ec, {}, opts);
  if (ec) throw invalid_input(std::string(what) + " is not valid JSON: " + ec.message());
  if (!value.is_object()) throw invalid_input(std::string(what) + " must be a JSON object");
  return std::move(value.as_object());
}

chat::Actor actor_of(const json::object& payload) {
  chat::Actor a;
  a.platform = "slack";
  if (auto* user = json_object(payload, "user")) {
    a.user_id = json_string(*user, "id");
    a.name = json_string(*user, "name");
    if (a.name.empty()) a.name = json_string(*user, "username");
  }
  if (a.user_id.empty()) throw invalid_input("interaction payload has no user.id");
  return a;
}

void parse_block_actions(const json::object& p, Interaction& out) {
  chat::ChatAction base;
  base.actor = actor_of(p);
  base.response_url = json_string(p, "response_url");
  base.trigger_id = json_string(p, "trigger_id");
  if (auto* team = json_object(p, "team")) base.team_id = json_string(*team, "id");
  base.message.platform = "slack";
  if (auto* container = json_object(p, "container")) {
    base.message.channel = json_string(*container, "channel_id");
    base.message.message_id = json_string(*container, "message_ts");
    base.message.ephemeral = json_flag(*container, "is_ephemeral");
  }
  if (base.message.channel.empty())
    if (auto* channel = json_object(p, "channel")) base.message.channel = json_string(*channel, "id");
  if (auto* message = json_object(p, "message")) {
    base.message.text = json_string(*message, "text");
    if (base.message.message_id.empty()) base.message.message_id = json_string(*message, "ts");
  }
  auto* actions = p.if_contains("actions");
  if (!actions || !actions->is_array()) throw invalid_input("block_actions payload has no actions list");
  for (const auto& a : actions->as_array()) {
    if (!a.is_object()) throw invalid_input("block_actions: an action is not an object");
    auto action_id = json_string(a.as_object(), "action_id");
    if (!action_id.starts_with(kActionPrefix)) {
      out.ignored_action_ids.push_back(action_id);
      continue;
    }
    auto rest = std::string_view(action_id).substr(kActionPrefix.size());
    auto verb = chat::parse_action_verb(rest.substr(0, rest.find(':')));
    if (!verb) throw invalid_input("unknown costbot action \"" + action_id + "\"");
    chat::ChatAction action = base;
    action.verb = *verb;
    action.subject = json_string(a.as_object(), "value");
    if (action.subject.empty()) throw invalid_input("costbot action \"" + action_id + "\" has no value");
    out.actions.push_back(std::move(action));
  }
}

// The reject-reason modal carries what it is about in private_metadata (set by the modal builder).
void parse_view_submission(const json::object& p, Interaction& out) {
  auto* view = json_object(p, "view");
  if (!view) throw invalid_input("view_submission payload has no view");
  if (json_string(*view, "callback_id") != kRejectReasonCallback) {
    out.ignored_action_ids.push_back(json_string(*view, "callback_id"));
    return;
  }
  auto meta = parse_slack_json(json_string(*view, "private_metadata"), "view.private_metadata");
  chat::ChatAction action;
  action.verb = chat::ActionVerb::reject;
  action.actor = actor_of(p);
  action.subject = json_string(meta, "subject");
  if (action.subject.empty()) throw invalid_input("reject modal metadata has no subject");
  action.message.platform = "slack";
  action.message.channel = json_string(meta, "channel");
  action.message.message_id = json_string(meta, "ts");
  action.message.ephemeral = json_flag(meta, "ephemeral");
  action.message.text = json_string(meta, "text");
  action.response_url = json_string(meta, "response_url");
  if (auto* team = json_object(p, "team")) action.team_id = json_string(*team, "id");
  const json::object* state = json_object(*view, "state");
  const json::object* values = state ? json_object(*state, "values") : nullptr;
  const json::object* block = values ? json_object(*values, kReasonBlock) : nullptr;
  const json::object* input = block ? json_object(*block, kReasonInput) : nullptr;
  action.reason = input ? std::string(text::trim(json_string(*input, "value"))) : "";
  if (action.reason.empty()) throw invalid_input("reject modal submitted without a reason");
  out.actions.push_back(std::move(action));
}

}  // namespace

SlashCommand parse_slash_command(std::string_view form_body) {
  auto fields = http::decode_form(form_body);
  SlashCommand c;
  for (auto& [k, v] : fields) {
    if (k == "command") c.command = std::move(v);
    else if (k == "text") c.text = std::move(v);
    else if (k == "user_id") c.user_id = std::move(v);
    else if (k == "user_name") c.user_name = std::move(v);
    else if (k == "channel_id") c.channel_id = std::move(v);
    else if (k == "channel_name") c.channel_name = std::move(v);
    else if (k == "team_id") c.team_id = std::move(v);
    else if (k == "enterprise_id") c.enterprise_id = std::move(v);
    else if (k == "api_app_id") c.api_app_id = std::move(v);
    else if (k == "response_url") c.response_url = std::move(v);
    else if (k == "trigger_id") c.trigger_id = std::move(v);
  }
  if (c.command.empty()) throw invalid_input("slash command form has no \"command\" field");
  if (c.user_id.empty()) throw invalid_input("slash command form has no \"user_id\" field");
  return c;
}

EventEnvelope parse_event_envelope(std::string_view json_body) {
  auto o = parse_slack_json(json_body, "event body");
  EventEnvelope e;
  e.type = json_string(o, "type");
  if (e.type.empty()) throw invalid_input("event body has no \"type\"");
  e.challenge = json_string(o, "challenge");
  e.event_id = json_string(o, "event_id");
  e.team_id = json_string(o, "team_id");
  e.api_app_id = json_string(o, "api_app_id");
  if (e.type == "url_verification" && e.challenge.empty()) throw invalid_input("url_verification without a challenge");
  if (e.type == "event_callback") {
    if (e.event_id.empty()) throw invalid_input("event_callback without an event_id");
    auto* ev = json_object(o, "event");
    if (!ev) throw invalid_input("event_callback without an event object");
    e.event.type = json_string(*ev, "type");
    e.event.subtype = json_string(*ev, "subtype");
    e.event.user = json_string(*ev, "user");
    e.event.bot_id = json_string(*ev, "bot_id");
    e.event.text = json_string(*ev, "text");
    e.event.channel = json_string(*ev, "channel");
    e.event.channel_type = json_string(*ev, "channel_type");
    e.event.ts = json_string(*ev, "ts");
    e.event.thread_ts = json_string(*ev, "thread_ts");
  }
  return e;
}

std::string strip_mentions(std::string_view text) {
  auto t = text::trim(text);
  while (t.starts_with("<@")) {
    auto close = t.find('>');
    if (close == std::string_view::npos) break;
    t = text::trim(t.substr(close + 1));
  }
  return std::string(t);
}

std::optional<ChatMessage> message_for_bot(const Event& e) {
  if (!e.bot_id.empty() || e.user.empty() || e.channel.empty()) return std::nullopt;  // never answer bots (loops)
  ChatMessage m;
  m.user = e.user;
  m.channel = e.channel;
  m.text = strip_mentions(e.text);
  if (e.type == "app_mention") {
    m.thread_ts = e.thread_ts.empty() ? e.ts : e.thread_ts;
    return m;
  }
  if (e.type == "message" && e.channel_type == "im" && e.subtype.empty()) {
    m.direct = true;
    m.thread_ts = e.thread_ts;
    return m;
  }
  return std::nullopt;
}

Interaction parse_interaction_payload(std::string_view json) {
  auto p = parse_slack_json(json, "interaction payload");
  Interaction out;
  out.type = json_string(p, "type");
  if (out.type.empty()) throw invalid_input("interaction payload has no \"type\"");
  if (out.type == "block_actions") parse_block_actions(p, out);
  else if (out.type == "view_submission") parse_view_submission(p, out);
  return out;
}

Interaction parse_interaction(std::string_view form_body) {
  auto fields = http::decode_form(form_body);
  auto payload = http::form_value(fields, "payload");
  if (!payload) throw invalid_input("interaction form has no \"payload\" field");
  return parse_interaction_payload(*payload);
}

}  // namespace costbot::slack
