#include "adapters/teams/activity.hpp"

#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::teams {
namespace json = boost::json;
namespace {

ChannelAccount account(const json::object* o) { return {json_string(o, "id"), json_string(o, "name"), json_string(o, "aadObjectId")}; }

std::vector<ChannelAccount> accounts(const json::object& o, std::string_view key) {
  std::vector<ChannelAccount> out;
  auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->as_array())
    if (item.is_object()) out.push_back(account(&item.as_object()));
  return out;
}

bool contains_id(const std::vector<ChannelAccount>& list, const std::string& id) {
  if (id.empty()) return false;
  for (const auto& a : list)
    if (a.id == id) return true;
  return false;
}

// "&amp;" → "&" for the entities Teams writes into message text; unknown ones stay as they are.
std::string decode_entities(std::string_view s) {
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [entity, ch] : kEntities) {
        if (s.substr(i, entity.size()) == entity) {
          out += ch;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

std::optional<std::int64_t> integer(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_string()) {
    auto n = text::parse_int(v->as_string());
    if (n) return *n;
  }
  return std::nullopt;
}

std::string reason_from(const json::object& data, const std::string& subject) {
  auto reason = json_string(&data, std::string(kReasonInputPrefix) + subject);
  if (reason.empty()) reason = json_string(&data, "reason");
  reason = std::string(text::trim(reason));
  if (reason.size() > 2000) reason.resize(2000);
  return reason;
}

// The costbot click in `data` (ours or the approval card's form); nullopt when the data is not costbot's.
std::optional<CardAction> from_data(const Activity& a, std::string_view execute_verb, const json::object& data) {
  CardAction out;
  auto& action = out.action;
  std::string verb_name;
  if (execute_verb.starts_with(kVerbPrefix)) verb_name = std::string(execute_verb.substr(kVerbPrefix.size()));
  else verb_name = json_string(&data, "costbot_verb");

  if (!verb_name.empty()) {
    auto verb = chat::parse_action_verb(verb_name);
    if (!verb) throw invalid_input("unknown costbot card action \"" + verb_name.substr(0, 40) + "\"");
    action.verb = *verb;
    action.subject = json_string(&data, "subject");
    if (action.subject.empty()) throw invalid_input("costbot card action \"" + verb_name + "\" has no subject");
    action.message.text = json_string(&data, "summary");
  } else if (auto form = json_string(&data, "costbot_action"); !form.empty()) {
    if (form == "approval.approve") action.verb = chat::ActionVerb::approve;
    else if (form == "approval.reject") action.verb = chat::ActionVerb::reject;
    else throw invalid_input("unknown costbot card action \"" + form.substr(0, 40) + "\"");
    auto id = integer(data.if_contains("request_id"));
    if (!id || *id <= 0) throw invalid_input("approval card action has no request_id");
    action.subject = "approval:" + std::to_string(*id);
    out.stage = integer(data.if_contains("stage"));
  } else {
    return std::nullopt;
  }
  if (action.subject.size() > 200) throw invalid_input("costbot card action subject is too long");
  action.reason = reason_from(data, action.subject);
  action.actor = {"teams", user_id_of(a.from), a.from.name};
  action.message.platform = "teams";
  action.message.channel = base_conversation_id(a.conversation.id);
  action.message.message_id = a.reply_to_id;
  action.team_id = a.tenant_id;
  return out;
}

}  // namespace

bool Activity::is_text_message() const {
  return type == "message" && !value.is_object() && !from.id.empty() && from.id != recipient.id;
}

bool Activity::bot_added() const {
  if (type == "installationUpdate") return action == "add";
  return type == "conversationUpdate" && contains_id(members_added, recipient.id);
}

bool Activity::bot_removed() const {
  if (type == "installationUpdate") return action == "remove";
  return type == "conversationUpdate" && contains_id(members_removed, recipient.id);
}

Activity parse_activity(std::string_view text, bool strict) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto parsed = json::parse(text, ec, {}, opts);
  if (ec) throw invalid_input("the activity is not valid JSON: " + ec.message());
  if (!parsed.is_object()) throw invalid_input("the activity must be a JSON object");
  const auto& o = parsed.as_object();
  Activity a;
  a.type = json_string(&o, "type");
  if (a.type.empty()) throw invalid_input("the activity has no type");
  a.id = json_string(&o, "id");
  a.timestamp = json_string(&o, "timestamp");
  a.service_url = json_string(&o, "serviceUrl");
  if (strict && a.service_url.empty()) throw invalid_input("the activity has no serviceUrl");
  if (a.service_url.size() > 2048) throw invalid_input("the activity's serviceUrl is too long");
  a.channel_id = json_string(&o, "channelId");
  a.from = account(json_object(o, "from"));
  a.recipient = account(json_object(o, "recipient"));
  const auto* conv = json_object(o, "conversation");
  a.conversation = {json_string(conv, "id"), json_string(conv, "name"), json_string(conv, "conversationType"), json_string(conv, "tenantId")};
  if (strict && a.conversation.id.empty()) throw invalid_input("the activity has no conversation.id");
  a.text = json_string(&o, "text");
  a.reply_to_id = json_string(&o, "replyToId");
  a.name = json_string(&o, "name");
  a.action = json_string(&o, "action");
  if (auto* v = o.if_contains("value")) a.value = *v;
  const auto* data = json_object(o, "channelData");
  a.tenant_id = json_string(data ? json_object(*data, "tenant") : nullptr, "id");
  if (a.tenant_id.empty()) a.tenant_id = a.conversation.tenant_id;
  const auto* team = data ? json_object(*data, "team") : nullptr;
  a.team_id = json_string(team, "id");
  a.team_name = json_string(team, "name");
  const auto* channel = data ? json_object(*data, "channel") : nullptr;
  a.channel_data_channel_id = json_string(channel, "id");
  a.channel_name = json_string(channel, "name");
  a.members_added = accounts(o, "membersAdded");
  a.members_removed = accounts(o, "membersRemoved");
  if (strict && (a.type == "message" || a.type == "invoke") && a.from.id.empty())
    throw invalid_input("the " + a.type + " activity has no from.id");
  return a;
}

std::string strip_mentions(std::string_view text) {
  std::string lowered = text::to_lower(text);
  std::string out;
  out.reserve(text.size());
  std::size_t next_close = 0;  // cached position of the next "</at>" (npos: there is none)
  bool close_known = false;
  std::size_t next_gt = 0;  // the same for the next '>'
  bool gt_known = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '<') {
      std::string_view rest(lowered.data() + i, lowered.size() - i);
      if (rest.starts_with("<at>") || rest.starts_with("<at ")) {
        // The whole mention goes, the name inside included.
        if (!close_known || (next_close != std::string::npos && next_close < i)) {
          next_close = lowered.find("</at>", i);
          close_known = true;
        }
        if (next_close != std::string::npos) {
          out += ' ';
          i = next_close + 5;
          continue;
        }
      }
      // Other markup (<p>, <br/>, <div>): dropped, its text kept.
      bool tag = rest.size() > 1 && ((rest[1] >= 'a' && rest[1] <= 'z') || rest[1] == '/');
      if (tag && (!gt_known || (next_gt != std::string::npos && next_gt < i))) {
        next_gt = lowered.find('>', i);
        gt_known = true;
      }
      if (tag && next_gt != std::string::npos) {
        out += ' ';
        i = next_gt + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return text::join(text::split_words(decode_entities(out)), " ");
}

std::optional<CardAction> card_action(const Activity& a) {
  if (a.type == "invoke") {
    if (a.name != "adaptiveCard/action" || !a.value.is_object()) return std::nullopt;
    const auto* action = json_object(a.value.as_object(), "action");
    if (!action) throw invalid_input("adaptiveCard/action invoke has no value.action");
    auto verb = json_string(action, "verb");
    const auto* data = json_object(*action, "data");
    static const json::object kEmpty;
    auto out = from_data(a, verb, data ? *data : kEmpty);
    if (out) out->invoke = true;
    return out;
  }
  if (a.type == "message" && a.value.is_object()) return from_data(a, "", a.value.as_object());
  return std::nullopt;
}

std::string base_conversation_id(std::string_view conversation_id) {
  auto thread = conversation_id.find(";messageid=");
  return std::string(conversation_id.substr(0, thread));
}

std::string user_id_of(const ChannelAccount& account) {
  return account.aad_object_id.empty() ? account.id : account.aad_object_id;
}

}  // namespace costbot::teams
