#include "engine/chat/action.hpp"
#include "engine/chat/reply.hpp"

namespace costbot::chat {

const char* to_string(ActionVerb verb) {
  switch (verb) {
    case ActionVerb::approve: return "approve";
    case ActionVerb::reject: return "reject";
    case ActionVerb::not_anomaly: return "not_anomaly";
    case ActionVerb::details: return "details";
    case ActionVerb::ack: return "ack";
    case ActionVerb::share: return "share";
  }
  return "details";
}

std::optional<ActionVerb> parse_action_verb(std::string_view name) {
  for (auto v : {ActionVerb::approve, ActionVerb::reject, ActionVerb::not_anomaly, ActionVerb::details, ActionVerb::ack,
                 ActionVerb::share})
    if (name == to_string(v)) return v;
  return std::nullopt;
}

Reply& Reply::text(std::string t) {
  blocks.emplace_back(std::in_place_type<TextBlock>, TextBlock{std::move(t)});
  return *this;
}
Reply& Reply::context(std::string t) {
  blocks.emplace_back(std::in_place_type<ContextBlock>, ContextBlock{std::move(t)});
  return *this;
}
Reply& Reply::fields(std::vector<Field> f) {
  blocks.emplace_back(std::in_place_type<FieldsBlock>, FieldsBlock{std::move(f)});
  return *this;
}
Reply& Reply::table(TableBlock t) {
  blocks.emplace_back(std::in_place_type<TableBlock>, std::move(t));
  return *this;
}
Reply& Reply::actions(std::vector<Button> b) {
  blocks.emplace_back(std::in_place_type<ActionsBlock>, ActionsBlock{std::move(b)});
  return *this;
}
Reply& Reply::divider() {
  blocks.emplace_back(std::in_place_type<DividerBlock>);
  return *this;
}

std::string Reply::summary() const {
  if (!fallback.empty()) return fallback;
  if (!title.empty()) return title;
  for (const auto& b : blocks)
    if (const auto* t = std::get_if<TextBlock>(&b)) return t->text;
  return "costbot";
}

Reply Reply::plain(std::string t) {
  Reply r;
  r.text(std::move(t));
  r.fallback = r.summary();
  return r;
}

SubjectParts split_subject(std::string_view subject) {
  auto colon = subject.find(':');
  if (colon == std::string_view::npos) return {"", std::string(subject)};
  return {std::string(subject.substr(0, colon)), std::string(subject.substr(colon + 1))};
}

}  // namespace costbot::chat
