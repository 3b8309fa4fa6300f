#pragma once
// A channel-neutral message: what the service wants to say, not how a platform draws it. Command
// replies, alerts and approval requests are built as a Reply; each chat adapter renders it (Slack:
// Block Kit, Teams: Adaptive Cards, the web channel: HTML). No protocol knowledge lives here.
//
// Text is plain text with two marks every renderer understands: *bold* and `code`. Renderers
// escape everything else for their platform.
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace costbot::chat {

// What a button does when clicked. The verb and subject travel with the click and come back as a
// ChatAction (see action.hpp), so the button needs no server-side state.
// share: post a query answer, shown only to who asked, in the conversation for everyone (subject
// "command:top 5 7d": the command is run again as whoever clicked).
enum class ActionVerb { approve, reject, not_anomaly, details, ack, share };
const char* to_string(ActionVerb verb);
std::optional<ActionVerb> parse_action_verb(std::string_view name);

struct Confirm {
  std::string title;
  std::string text;
  std::string confirm = "Confirm";
  std::string deny = "Cancel";
};

enum class ButtonStyle { plain, primary, danger };

struct Button {
  std::string label;
  ActionVerb verb = ActionVerb::details;
  std::string subject;  // what the click is about: "approval:42", "finding:7"
  ButtonStyle style = ButtonStyle::plain;
  std::optional<Confirm> confirm;  // ask "are you sure?" before the click is sent
};

struct Field {
  std::string label;
  std::string value;
};

struct TextBlock {
  std::string text;
};
struct FieldsBlock {
  std::vector<Field> fields;
};
// A small table (rows of short cells); renderers without tables draw it monospaced.
struct TableBlock {
  std::vector<std::string> columns;
  std::vector<bool> right_aligned;  // per column
  std::vector<std::vector<std::string>> rows;
};
struct ActionsBlock {
  std::vector<Button> buttons;
};
// Small, secondary text (period, data freshness, who decided).
struct ContextBlock {
  std::string text;
};
struct DividerBlock {};

using Block = std::variant<TextBlock, FieldsBlock, TableBlock, ActionsBlock, ContextBlock, DividerBlock>;

enum class Visibility { ephemeral, in_channel };

struct Reply {
  std::string title;           // a heading; may be empty
  std::vector<Block> blocks;
  std::string fallback;        // one line for notifications and clients that cannot draw blocks
  Visibility visibility = Visibility::ephemeral;

  Reply& text(std::string t);
  Reply& context(std::string t);
  Reply& fields(std::vector<Field> f);
  Reply& table(TableBlock t);
  Reply& actions(std::vector<Button> b);
  Reply& divider();
  // The fallback when none was set: the title, else the first text block.
  std::string summary() const;

  // One text block, which is also the fallback: confirmations, notes, refusals.
  static Reply plain(std::string text);
};

}  // namespace costbot::chat
