#include "adapters/teams/adaptive_card.hpp"

#include <algorithm>
#include <cctype>

#include "adapters/teams/activity.hpp"
#include "engine/util/utf8.hpp"

namespace costbot::teams {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxTableRows = 60;
constexpr std::size_t kMaxText = 4000;


json::object text_block(std::string text) {
  return {{"type", "TextBlock"}, {"text", text.empty() ? std::string(" ") : std::move(text)}, {"wrap", true}};
}

json::object cell(const std::string& text, bool header) {
  auto block = text_block(text::clip_utf8(text, 500));
  if (header) block["weight"] = "Bolder";
  return {{"type", "TableCell"}, {"items", json::array{std::move(block)}}};
}

json::object table(const chat::TableBlock& t) {
  std::size_t width = t.columns.size();
  for (const auto& r : t.rows) width = std::max(width, r.size());
  width = std::max<std::size_t>(width, 1);
  json::array columns;
  for (std::size_t i = 0; i < width; ++i) {
    json::object col{{"width", 1}};
    if (i < t.right_aligned.size() && t.right_aligned[i]) col["horizontalCellContentAlignment"] = "Right";
    columns.push_back(std::move(col));
  }
  json::array rows;
  auto add_row = [&](const std::vector<std::string>& values, bool header) {
    json::array cells;
    for (std::size_t i = 0; i < width; ++i) cells.push_back(cell(i < values.size() ? values[i] : "", header));
    rows.push_back(json::object{{"type", "TableRow"}, {"cells", std::move(cells)}});
  };
  bool header = !t.columns.empty();
  if (header) add_row(t.columns, true);
  for (std::size_t i = 0; i < t.rows.size() && i < kMaxTableRows; ++i) add_row(t.rows[i], false);
  return {{"type", "Table"},
          {"columns", std::move(columns)},
          {"rows", std::move(rows)},
          {"firstRowAsHeaders", header},
          {"showGridLines", false}};
}

json::object button_data(const chat::Button& b, const std::string& summary) {
  json::object data{{"costbot_verb", chat::to_string(b.verb)}, {"subject", b.subject}};
  if (!summary.empty()) data["summary"] = text::clip_utf8(summary, 300);
  return data;
}

json::object execute(const chat::Button& b, const std::string& title, const std::string& summary) {
  json::object action{{"type", "Action.Execute"},
                      {"title", text::clip_utf8(title.empty() ? std::string(" ") : title, 80)},
                      {"verb", std::string(kVerbPrefix) + chat::to_string(b.verb)},
                      {"data", button_data(b, summary)}};
  if (b.style == chat::ButtonStyle::primary) action["style"] = "positive";
  if (b.style == chat::ButtonStyle::danger) action["style"] = "destructive";
  // Microsoft's advice for clients without Universal Actions: the same click as Action.Submit.
  json::object submit{{"type", "Action.Submit"}, {"title", action["title"]}, {"data", action["data"]}};
  if (auto* style = action.if_contains("style")) submit["style"] = *style;
  action["fallback"] = std::move(submit);
  return action;
}

// A confirm dialog has no Adaptive Card equivalent: the button opens the question inline, with
// the real button under it (and, for Reject, the required reason).
json::object action_for(const chat::Button& b, const std::string& summary) {
  if (!b.confirm && b.verb != chat::ActionVerb::reject) return execute(b, b.label, summary);
  json::array body;
  if (b.confirm) {
    auto question = text_block(text::clip_utf8(b.confirm->title, 200));
    question["weight"] = "Bolder";
    body.push_back(std::move(question));
    if (!b.confirm->text.empty()) body.push_back(text_block(text::clip_utf8(b.confirm->text, 500)));
  }
  if (b.verb == chat::ActionVerb::reject) {
    body.push_back(json::object{{"type", "Input.Text"},
                                {"id", std::string(kReasonInputPrefix) + b.subject},
                                {"label", "Why are you rejecting it?"},
                                {"placeholder", "The reason is shown to everyone"},
                                {"isMultiline", true},
                                {"isRequired", true},
                                {"errorMessage", "Say why before rejecting"},
                                {"maxLength", 2000}});
  }
  json::object action{{"type", "Action.ShowCard"},
                      {"title", text::clip_utf8(b.label.empty() ? std::string(" ") : b.label, 80)},
                      {"card", json::object{{"type", "AdaptiveCard"},
                                            {"body", std::move(body)},
                                            {"actions", json::array{execute(b, b.confirm ? b.confirm->confirm : b.label,
                                                                            summary)}}}}};
  if (b.style == chat::ButtonStyle::primary) action["style"] = "positive";
  if (b.style == chat::ButtonStyle::danger) action["style"] = "destructive";
  return action;
}

void add_element(json::array& body, json::object element, bool& separator) {
  if (separator && !body.empty()) element["separator"] = true;
  separator = false;
  body.push_back(std::move(element));
}

bool plain_text_only(const chat::Reply& reply) {
  if (!reply.title.empty()) return false;
  for (const auto& b : reply.blocks)
    if (!std::holds_alternative<chat::TextBlock>(b) && !std::holds_alternative<chat::ContextBlock>(b)) return false;
  return !reply.blocks.empty();
}

void strip_card(json::object& card);

bool is_bot_action(const json::value& v) {
  if (!v.is_object()) return false;
  auto* type = v.as_object().if_contains("type");
  if (!type || !type->is_string()) return false;
  return type->as_string() == "Action.Submit" || type->as_string() == "Action.Execute" ||
         type->as_string() == "Action.ShowCard";  // our ShowCards only wrap confirmations and inputs
}

void strip_array(json::array& items) {
  json::array kept;
  for (auto& item : items) {
    if (is_bot_action(item)) continue;
    if (item.is_object()) {
      auto& o = item.as_object();
      auto* type = o.if_contains("type");
      std::string t = type && type->is_string() ? std::string(type->as_string()) : "";
      if (t.starts_with("Input.")) continue;  // nothing could submit it
      strip_card(o);
      if (t == "ActionSet") {
        auto* actions = o.if_contains("actions");
        if (!actions || !actions->is_array() || actions->as_array().empty()) continue;
      }
    }
    kept.push_back(std::move(item));
  }
  items = std::move(kept);
}

void strip_card(json::object& card) {
  for (const char* key : {"body", "actions", "items", "columns", "cells", "rows"}) {
    if (auto* v = card.if_contains(key); v && v->is_array()) strip_array(v->as_array());
  }
  card.erase("refresh");
  if (auto* v = card.if_contains("actions"); v && v->is_array() && v->as_array().empty()) card.erase("actions");
  if (auto* v = card.if_contains("selectAction"); v && is_bot_action(*v)) card.erase("selectAction");
}

}  // namespace

namespace {

// A bracket that closes a link's text: "](" (inline), "][" (reference), "]:" (a reference's
// definition). Teams' card Markdown (a CommonMark subset with [title](url) links) draws these as
// links whose target the reader cannot see; a zero-width space after the bracket keeps the text
// and breaks the syntax.
bool teams_link_bracket(std::string_view text, std::size_t i) {
  return text[i] == ']' && i + 1 < text.size() && (text[i + 1] == '(' || text[i + 1] == '[' || text[i + 1] == ':');
}

// The bare URL starting at `i` (http:// or https:// after a non-word character), without the
// trailing punctuation that ends a sentence; empty when there is none.
std::string_view teams_bare_url(std::string_view text, std::size_t i) {
  auto rest = text.substr(i);
  if (!rest.starts_with("https://") && !rest.starts_with("http://")) return {};
  if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '/' || text[i - 1] == '_'))
    return {};
  std::size_t end = 0;
  while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end])) && rest[end] != '<' &&
         rest[end] != '>' && rest[end] != '"')
    ++end;
  // Sentence punctuation after a URL is not part of it; a ")" only when it closes nothing inside.
  while (end > 0) {
    const char last = rest[end - 1];
    const auto head = rest.substr(0, end);
    if (std::string_view(".,;:!?]'*").find(last) != std::string_view::npos ||
        (last == ')' && std::count(head.begin(), head.end(), ')') > std::count(head.begin(), head.end(), '(')))
      --end;
    else
      break;
  }
  auto url = rest.substr(0, end);
  return url.size() > std::string_view("https://").size() ? url : std::string_view{};
}

// A URL as a Markdown link whose text is its own target. Brackets and parentheses are
// percent-encoded: they would end the link early (and Teams mobile breaks on "(" in a target).
std::string teams_visible_link(std::string_view url) {
  std::string target;
  for (char c : url) {
    switch (c) {
      case '(': target += "%28"; break;
      case ')': target += "%29"; break;
      case '[': target += "%5B"; break;
      case ']': target += "%5D"; break;
      default: target += c;
    }
  }
  return "[" + target + "](" + target + ")";
}

}  // namespace

std::string card_plain_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (teams_link_bracket(text, i)) out += "\u200B";
  }
  return out;
}

std::string card_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '*' && i + 1 < text.size() && text[i + 1] != ' ' && text[i + 1] != '*') {
      auto close = text.find('*', i + 1);
      auto newline = text.find('\n', i + 1);
      if (close != std::string_view::npos && close > i + 1 && (newline == std::string_view::npos || close < newline) &&
          text[close - 1] != ' ') {
        out += "**";
        out += card_markdown(text.substr(i + 1, close - i - 1));
        out += "**";
        i = close;
        continue;
      }
    }
    // Our own links (tickets, requests, charts) work, and show where they go.
    if (auto url = teams_bare_url(text, i); !url.empty()) {
      out += teams_visible_link(url);
      i += url.size() - 1;
      continue;
    }
    // Text is data: "[Approve here](https://elsewhere)" must not become a hidden link.
    out += text[i];
    if (teams_link_bracket(text, i)) out += "\u200B";
  }
  return out;
}

json::object render_card(const chat::Reply& reply, CardOptions options) {
  json::array body;
  bool separator = false;
  if (!reply.title.empty()) {
    auto title = text_block(text::clip_utf8(reply.title, 300));
    title["size"] = "Medium";
    title["weight"] = "Bolder";
    body.push_back(std::move(title));
  }
  std::string summary = reply.summary();
  for (const auto& block : reply.blocks) {
    if (auto* t = std::get_if<chat::TextBlock>(&block)) {
      add_element(body, text_block(text::clip_utf8(card_markdown(t->text), kMaxText)), separator);
    } else if (auto* f = std::get_if<chat::FieldsBlock>(&block)) {
      json::array facts;
      for (const auto& field : f->fields)
        facts.push_back(json::object{{"title", text::clip_utf8(field.label, 200)}, {"value", text::clip_utf8(card_markdown(field.value), 1000)}});
      if (!facts.empty()) add_element(body, json::object{{"type", "FactSet"}, {"facts", std::move(facts)}}, separator);
    } else if (auto* t = std::get_if<chat::TableBlock>(&block)) {
      add_element(body, table(*t), separator);
      if (t->rows.size() > kMaxTableRows) {
        auto note = text_block("(" + std::to_string(t->rows.size() - kMaxTableRows) + " more rows not shown)");
        note["isSubtle"] = true;
        note["size"] = "Small";
        body.push_back(std::move(note));
      }
    } else if (auto* a = std::get_if<chat::ActionsBlock>(&block)) {
      if (!options.interactive || a->buttons.empty()) continue;
      json::array actions;
      for (const auto& b : a->buttons) actions.push_back(action_for(b, summary));
      add_element(body, json::object{{"type", "ActionSet"}, {"actions", std::move(actions)}}, separator);
    } else if (auto* c = std::get_if<chat::ContextBlock>(&block)) {
      auto note = text_block(text::clip_utf8(card_markdown(c->text), 2000));
      note["isSubtle"] = true;
      note["size"] = "Small";
      add_element(body, std::move(note), separator);
    } else if (std::holds_alternative<chat::DividerBlock>(block)) {
      separator = true;
    }
  }
  if (body.empty()) body.push_back(text_block(text::clip_utf8(summary, kMaxText)));
  json::object card{{"type", "AdaptiveCard"},
                    {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                    {"version", "1.5"},
                    {"msteams", json::object{{"width", "Full"}}},
                    {"body", std::move(body)}};
  // Teams refuses messages over ~28 KB: drop trailing elements until it fits, and say so.
  if (json::serialize(card).size() > kMaxCardBytes) {
    auto& items = card["body"].as_array();
    while (items.size() > 1 && json::serialize(card).size() > kMaxCardBytes - 200) items.pop_back();
    auto note = text_block("(shortened: too long for one message)");
    note["isSubtle"] = true;
    items.push_back(std::move(note));
  }
  return card;
}

json::object card_activity(const json::object& card, const std::string& summary) {
  json::object activity{{"type", "message"},
                        {"attachments", json::array{json::object{{"contentType", std::string(kAdaptiveCardType)},
                                                                 {"content", card}}}}};
  if (!summary.empty()) activity["summary"] = text::clip_utf8(summary, 300);
  return activity;
}

json::object render_activity(const chat::Reply& reply, CardOptions options) {
  if (plain_text_only(reply)) {
    std::string text;
    for (const auto& b : reply.blocks) {
      if (!text.empty()) text += "\n\n";
      if (auto* t = std::get_if<chat::TextBlock>(&b)) text += card_markdown(t->text);
      else if (auto* c = std::get_if<chat::ContextBlock>(&b)) text += "_" + card_markdown(c->text) + "_";
    }
    return {{"type", "message"}, {"textFormat", "markdown"}, {"text", text::clip_utf8(text, kMaxCardBytes)}};
  }
  return card_activity(render_card(reply, options), reply.summary());
}

std::optional<json::object> user_specific_activity(const chat::Reply& answer, const std::string& user_id) {
  const chat::Button* share = nullptr;
  for (const auto& block : answer.blocks)
    if (const auto* a = std::get_if<chat::ActionsBlock>(&block))
      for (const auto& b : a->buttons)
        if (b.verb == chat::ActionVerb::share) share = &b;
  if (!share || user_id.empty()) return std::nullopt;
  chat::Reply placeholder;
  placeholder.title = answer.title;
  placeholder.text("Only the person who asked sees these figures here; they can share them with everyone.");
  placeholder.fallback = answer.title.empty() ? "A cost answer for the person who asked" : answer.title;
  auto card = render_card(placeholder);
  const chat::Button show{"Show my answer", chat::ActionVerb::details, share->subject, chat::ButtonStyle::plain, std::nullopt};
  auto refresh = execute(show, show.label, {});
  refresh.erase("fallback");  // a refresh is Universal Actions only: clients without them show the card as is
  card["refresh"] = json::object{{"action", std::move(refresh)}, {"userIds", json::array{json::value(user_id)}}};
  return card_activity(card, placeholder.fallback);
}

json::object card_invoke_response(const json::object& card) {
  return {{"statusCode", 200}, {"type", std::string(kAdaptiveCardType)}, {"value", card}};
}

json::object message_invoke_response(const std::string& text) {
  return {{"statusCode", 200}, {"type", "application/vnd.microsoft.activity.message"}, {"value", text::clip_utf8(text, 1000)}};
}

json::object error_invoke_response(int status, const std::string& code, const std::string& message) {
  return {{"statusCode", status},
          {"type", "application/vnd.microsoft.error"},
          {"value", json::object{{"code", code}, {"message", text::clip_utf8(message, 1000)}}}};
}

const json::object* card_of(const json::object& activity) {
  auto* attachments = activity.if_contains("attachments");
  if (!attachments || !attachments->is_array()) return nullptr;
  for (const auto& a : attachments->as_array()) {
    if (!a.is_object()) continue;
    auto* type = a.as_object().if_contains("contentType");
    auto* content = a.as_object().if_contains("content");
    if (type && type->is_string() && type->as_string() == kAdaptiveCardType && content && content->is_object())
      return &content->as_object();
  }
  return nullptr;
}

void strip_bot_actions(json::object& activity) {
  auto* attachments = activity.if_contains("attachments");
  if (!attachments || !attachments->is_array()) return;
  for (auto& a : attachments->as_array()) {
    if (!a.is_object()) continue;
    auto* content = a.as_object().if_contains("content");
    if (content && content->is_object()) strip_card(content->as_object());
  }
}

}  // namespace costbot::teams
