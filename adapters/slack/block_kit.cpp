#include "adapters/slack/block_kit.hpp"

#include <algorithm>

#include "adapters/slack/inbound.hpp"
#include "engine/util/utf8.hpp"

namespace costbot::slack {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxBlocks = 50;
constexpr std::size_t kSectionText = 3000;


json::object plain(std::string_view text, std::size_t max) {
  return {{"type", "plain_text"}, {"text", text::clip_utf8(text.empty() ? " " : text, max)}, {"emoji", true}};
}
json::object mrkdwn(std::string_view text, std::size_t max) {
  return {{"type", "mrkdwn"}, {"text", text::clip_utf8(text.empty() ? " " : text, max)}};
}

// Splits long text on line ends into pieces that fit a section.
std::vector<std::string> split_text(const std::string& text, std::size_t max) {
  std::vector<std::string> out;
  std::string current;
  for (auto& line : [&] {
         std::vector<std::string> lines;
         std::size_t start = 0;
         while (start <= text.size()) {
           auto nl = text.find('\n', start);
           if (nl == std::string::npos) nl = text.size();
           lines.push_back(text.substr(start, nl - start));
           start = nl + 1;
         }
         return lines;
       }()) {
    if (!current.empty() && current.size() + 1 + line.size() > max) {
      out.push_back(std::move(current));
      current.clear();
    }
    if (!current.empty()) current += '\n';
    current += line;
  }
  if (!current.empty() || out.empty()) out.push_back(std::move(current));
  for (auto& piece : out) piece = text::clip_utf8(piece, max);
  return out;
}

std::string table_text(const chat::TableBlock& t) {
  std::vector<std::size_t> width(t.columns.size(), 0);
  auto cells = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  cells(t.columns);
  for (const auto& r : t.rows) cells(r);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      bool right = i < t.right_aligned.size() && t.right_aligned[i];
      if (i) out += "  ";
      out += right ? pad + cell : cell + (i + 1 < width.size() ? pad : "");
    }
    return out;
  };
  std::string text = line(t.columns) + "\n";
  for (const auto& r : t.rows) text += line(r) + "\n";
  if (!text.empty()) text.pop_back();
  return text;
}

json::object button(const chat::Button& b) {
  json::object o{{"type", "button"},
                 {"text", plain(b.label, 75)},
                 {"action_id", text::clip_utf8(action_id_for(b.verb, b.subject), 255)},
                 {"value", text::clip_utf8(b.subject, 2000)}};
  if (b.style == chat::ButtonStyle::primary) o["style"] = "primary";
  if (b.style == chat::ButtonStyle::danger) o["style"] = "danger";
  if (b.confirm) {
    o["confirm"] = json::object{{"title", plain(b.confirm->title, 100)},
                                {"text", plain(b.confirm->text, 300)},
                                {"confirm", plain(b.confirm->confirm, 30)},
                                {"deny", plain(b.confirm->deny, 30)}};
  }
  return o;
}

void add_blocks(const chat::Block& block, json::array& out) {
  if (auto* t = std::get_if<chat::TextBlock>(&block)) {
    for (auto& piece : split_text(escape_mrkdwn(t->text), kSectionText))
      out.push_back(json::object{{"type", "section"}, {"text", mrkdwn(piece, kSectionText)}});
  } else if (auto* f = std::get_if<chat::FieldsBlock>(&block)) {
    for (std::size_t i = 0; i < f->fields.size(); i += 10) {
      json::array fields;
      for (std::size_t j = i; j < std::min(i + 10, f->fields.size()); ++j)
        fields.push_back(mrkdwn("*" + escape_mrkdwn(f->fields[j].label) + "*\n" + escape_mrkdwn(f->fields[j].value), 2000));
      out.push_back(json::object{{"type", "section"}, {"fields", std::move(fields)}});
    }
  } else if (auto* t = std::get_if<chat::TableBlock>(&block)) {
    // No table block everywhere yet: a monospaced block, split between rows when long.
    for (auto& piece : split_text(escape_mrkdwn(table_text(*t)), kSectionText - 8))
      out.push_back(json::object{{"type", "section"}, {"text", mrkdwn("```" + piece + "```", kSectionText)}});
  } else if (auto* a = std::get_if<chat::ActionsBlock>(&block)) {
    for (std::size_t i = 0; i < a->buttons.size(); i += 25) {
      json::array elements;
      for (std::size_t j = i; j < std::min(i + 25, a->buttons.size()); ++j) elements.push_back(button(a->buttons[j]));
      out.push_back(json::object{{"type", "actions"}, {"elements", std::move(elements)}});
    }
  } else if (auto* c = std::get_if<chat::ContextBlock>(&block)) {
    out.push_back(json::object{{"type", "context"}, {"elements", json::array{mrkdwn(escape_mrkdwn(c->text), 3000)}}});
  } else if (std::holds_alternative<chat::DividerBlock>(block)) {
    out.push_back(json::object{{"type", "divider"}});
  }
}

}  // namespace

std::string escape_mrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string action_id_for(chat::ActionVerb verb, std::string_view subject) {
  return std::string(kActionPrefix) + chat::to_string(verb) + ":" + std::string(subject);
}

json::object render_message(const chat::Reply& reply) {
  json::array blocks;
  if (!reply.title.empty()) blocks.push_back(json::object{{"type", "header"}, {"text", plain(reply.title, 150)}});
  for (const auto& b : reply.blocks) add_blocks(b, blocks);
  if (blocks.size() > kMaxBlocks) {
    blocks.resize(kMaxBlocks - 1);
    blocks.push_back(json::object{{"type", "context"}, {"elements", json::array{mrkdwn("(shortened: too long for one message)", 100)}}});
  }
  json::object body{{"text", text::clip_utf8(reply.summary(), 3000)}};
  if (!blocks.empty()) body["blocks"] = std::move(blocks);
  return body;
}

json::object render_response(const chat::Reply& reply, bool replace_original) {
  auto body = render_message(reply);
  body["response_type"] = reply.visibility == chat::Visibility::in_channel ? "in_channel" : "ephemeral";
  if (replace_original) body["replace_original"] = true;
  return body;
}

json::object reject_reason_modal(const chat::ChatAction& action) {
  json::object meta{{"subject", action.subject},
                    {"channel", action.message.channel},
                    {"ts", action.message.message_id},
                    {"ephemeral", action.message.ephemeral},
                    {"response_url", action.response_url},
                    {"text", text::clip_utf8(action.message.text, 1000)}};
  std::string what = action.message.text.empty() ? action.subject : action.message.text;
  return {{"type", "modal"},
          {"callback_id", std::string(kRejectReasonCallback)},
          {"private_metadata", text::clip_utf8(json::serialize(meta), 3000)},
          {"title", plain("Reject request", 24)},
          {"submit", plain("Reject", 24)},
          {"close", plain("Cancel", 24)},
          {"blocks", json::array{
                         json::object{{"type", "section"},
                                      {"text", mrkdwn("Rejecting *" + escape_mrkdwn(action.subject) + "*: " +
                                                          escape_mrkdwn(text::clip_utf8(what, 2000)), kSectionText)}},
                         json::object{{"type", "input"},
                                      {"block_id", std::string(kReasonBlock)},
                                      {"label", plain("Why are you rejecting it?", 2000)},
                                      {"element", json::object{{"type", "plain_text_input"},
                                                               {"action_id", std::string(kReasonInput)},
                                                               {"multiline", true},
                                                               {"min_length", 3},
                                                               {"max_length", 2000}}}}}}};
}

}  // namespace costbot::slack
