#include "engine/messages/message.hpp"

#include "engine/outbox/outbox.hpp"
#include "engine/util/error.hpp"

namespace costbot::messages {
namespace json = boost::json;
namespace {

// Field readers for the outbox payloads: a missing optional field is empty, a mistyped one is an
// error naming it (the outbox fails such an effect at once: retrying cannot fix it).
const json::object& object_of(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw invalid_input(std::string(what) + " must be a JSON object");
  return v.get_object();
}

std::string text_field(const json::object& o, std::string_view key, std::string_view what) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) throw invalid_input(std::string(what) + ": \"" + std::string(key) + "\" must be a string");
  return std::string(v->get_string());
}

bool flag_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::int64_t int_field(const json::object& o, std::string_view key, std::string_view what) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  throw invalid_input(std::string(what) + ": \"" + std::string(key) + "\" must be an integer");
}

json::object object_field(const json::object& o, std::string_view key, std::string_view what) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_object()) throw invalid_input(std::string(what) + ": \"" + std::string(key) + "\" must be an object");
  return v->get_object();
}

const json::value& required_field(const json::object& o, std::string_view key, std::string_view what) {
  const auto* v = o.if_contains(key);
  if (!v) throw invalid_input(std::string(what) + " has no \"" + std::string(key) + "\"");
  return *v;
}

// ---- chat::Reply ----

const char* style_name(chat::ButtonStyle s) {
  switch (s) {
    case chat::ButtonStyle::primary: return "primary";
    case chat::ButtonStyle::danger: return "danger";
    case chat::ButtonStyle::plain: break;
  }
  return "plain";
}

chat::ButtonStyle style_from(const std::string& s) {
  if (s == "primary") return chat::ButtonStyle::primary;
  if (s == "danger") return chat::ButtonStyle::danger;
  return chat::ButtonStyle::plain;
}

json::object block_to_json(const chat::Block& block) {
  return std::visit(
      [](const auto& b) -> json::object {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, chat::TextBlock>) {
          return {{"type", "text"}, {"text", b.text}};
        } else if constexpr (std::is_same_v<T, chat::ContextBlock>) {
          return {{"type", "context"}, {"text", b.text}};
        } else if constexpr (std::is_same_v<T, chat::FieldsBlock>) {
          json::array fields;
          for (const auto& f : b.fields) fields.push_back({{"label", f.label}, {"value", f.value}});
          return {{"type", "fields"}, {"fields", std::move(fields)}};
        } else if constexpr (std::is_same_v<T, chat::TableBlock>) {
          json::array columns, right, rows;
          for (const auto& c : b.columns) columns.push_back(json::value(c));
          for (bool r : b.right_aligned) right.push_back(r);
          for (const auto& row : b.rows) {
            json::array cells;
            for (const auto& cell : row) cells.push_back(json::value(cell));
            rows.push_back(std::move(cells));
          }
          return {{"type", "table"}, {"columns", std::move(columns)}, {"right_aligned", std::move(right)}, {"rows", std::move(rows)}};
        } else if constexpr (std::is_same_v<T, chat::ActionsBlock>) {
          json::array buttons;
          for (const auto& btn : b.buttons) {
            json::object o{{"label", btn.label}, {"verb", chat::to_string(btn.verb)}, {"subject", btn.subject},
                           {"style", style_name(btn.style)}};
            if (btn.confirm)
              o["confirm"] = json::object{{"title", btn.confirm->title},
                                          {"text", btn.confirm->text},
                                          {"confirm", btn.confirm->confirm},
                                          {"deny", btn.confirm->deny}};
            buttons.push_back(std::move(o));
          }
          return {{"type", "actions"}, {"buttons", std::move(buttons)}};
        } else {
          return {{"type", "divider"}};
        }
      },
      block);
}

std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array())
    for (const auto& item : v->get_array()) out.push_back(item.is_string() ? std::string(item.get_string()) : std::string());
  return out;
}

chat::Block block_from_json(const json::object& o) {
  constexpr std::string_view what = "a reply block";
  const auto type = text_field(o, "type", what);
  if (type == "text") return chat::TextBlock{text_field(o, "text", what)};
  if (type == "context") return chat::ContextBlock{text_field(o, "text", what)};
  if (type == "divider") return chat::DividerBlock{};
  if (type == "fields") {
    chat::FieldsBlock b;
    if (const auto* v = o.if_contains("fields"); v && v->is_array())
      for (const auto& f : v->get_array())
        if (f.is_object()) b.fields.push_back({text_field(f.get_object(), "label", what), text_field(f.get_object(), "value", what)});
    return b;
  }
  if (type == "table") {
    chat::TableBlock t;
    t.columns = strings_of(o, "columns");
    if (const auto* v = o.if_contains("right_aligned"); v && v->is_array())
      for (const auto& r : v->get_array()) t.right_aligned.push_back(r.is_bool() && r.get_bool());
    if (const auto* v = o.if_contains("rows"); v && v->is_array())
      for (const auto& row : v->get_array()) {
        std::vector<std::string> cells;
        if (row.is_array())
          for (const auto& c : row.get_array()) cells.push_back(c.is_string() ? std::string(c.get_string()) : std::string());
        t.rows.push_back(std::move(cells));
      }
    return t;
  }
  if (type == "actions") {
    chat::ActionsBlock a;
    if (const auto* v = o.if_contains("buttons"); v && v->is_array())
      for (const auto& bv : v->get_array()) {
        if (!bv.is_object()) continue;
        const auto& b = bv.get_object();
        chat::Button btn;
        btn.label = text_field(b, "label", what);
        auto verb = chat::parse_action_verb(text_field(b, "verb", what));
        if (!verb) throw invalid_input("a reply button has an unknown verb");
        btn.verb = *verb;
        btn.subject = text_field(b, "subject", what);
        btn.style = style_from(text_field(b, "style", what));
        if (const auto* c = b.if_contains("confirm"); c && c->is_object())
          btn.confirm = chat::Confirm{text_field(c->get_object(), "title", what), text_field(c->get_object(), "text", what),
                                      text_field(c->get_object(), "confirm", what), text_field(c->get_object(), "deny", what)};
        a.buttons.push_back(std::move(btn));
      }
    return a;
  }
  throw invalid_input("a reply block has an unknown type \"" + type + "\"");
}

}  // namespace

json::object reply_to_json(const chat::Reply& reply) {
  json::array blocks;
  for (const auto& b : reply.blocks) blocks.push_back(block_to_json(b));
  return {{"title", reply.title},
          {"blocks", std::move(blocks)},
          {"fallback", reply.fallback},
          {"visibility", reply.visibility == chat::Visibility::in_channel ? "in_channel" : "ephemeral"}};
}

chat::Reply reply_from_json(const json::object& o) {
  constexpr std::string_view what = "a reply";
  chat::Reply r;
  r.title = text_field(o, "title", what);
  r.fallback = text_field(o, "fallback", what);
  r.visibility = text_field(o, "visibility", what) == "in_channel" ? chat::Visibility::in_channel : chat::Visibility::ephemeral;
  if (const auto* v = o.if_contains("blocks"); v && v->is_array())
    for (const auto& b : v->get_array()) r.blocks.push_back(block_from_json(object_of(b, what)));
  return r;
}

bool Message::is_reply() const { return template_key == kReplyTemplate; }

Message reply_message(std::string subject, const chat::Reply& reply, std::int64_t version) {
  return Message{std::move(subject), std::string(kReplyTemplate), reply_to_json(reply), version};
}

chat::Reply reply_of(const Message& message) {
  if (!message.is_reply()) throw invalid_input("message " + message.subject + " is not a chat reply");
  return reply_from_json(message.facts);
}

// ---- Message, Address ----

void tag_invoke(json::value_from_tag, json::value& out, const Message& m) {
  out = json::object{{"subject", m.subject}, {"template_key", m.template_key}, {"facts", m.facts}, {"version", m.version}};
}

Message tag_invoke(json::value_to_tag<Message>, const json::value& in) {
  constexpr std::string_view what = "message";
  const auto& o = object_of(in, what);
  Message m;
  m.subject = text_field(o, "subject", what);
  m.template_key = text_field(o, "template_key", what);
  if (m.template_key.empty()) throw invalid_input("message has no \"template_key\"");
  m.facts = object_field(o, "facts", what);
  m.version = int_field(o, "version", what);
  return m;
}

void tag_invoke(json::value_from_tag, json::value& out, const Address& a) {
  out = json::object{{"channel", a.channel}, {"target", a.target}};
}

Address tag_invoke(json::value_to_tag<Address>, const json::value& in) {
  constexpr std::string_view what = "address";
  const auto& o = object_of(in, what);
  Address a{text_field(o, "channel", what), text_field(o, "target", what)};
  if (a.channel.empty()) throw invalid_input("address has no \"channel\"");
  return a;
}

// ---- effects ----

void tag_invoke(json::value_from_tag, json::value& out, const ChatPost& e) {
  json::object o{{"to", json::value_from(e.to)}, {"message", json::value_from(e.message)}};
  if (e.in_thread) o["in_thread"] = true;
  if (e.broadcast) o["broadcast"] = true;
  out = std::move(o);
}

ChatPost tag_invoke(json::value_to_tag<ChatPost>, const json::value& in) {
  const auto& o = object_of(in, "chat.post");
  return ChatPost{json::value_to<Address>(required_field(o, "to", "chat.post")),
                  json::value_to<Message>(required_field(o, "message", "chat.post")), flag_field(o, "in_thread"),
                  flag_field(o, "broadcast")};
}

void tag_invoke(json::value_from_tag, json::value& out, const ChatUpdate& e) {
  out = json::object{{"to", json::value_from(e.to)}, {"message", json::value_from(e.message)}};
}

ChatUpdate tag_invoke(json::value_to_tag<ChatUpdate>, const json::value& in) {
  const auto& o = object_of(in, "chat.update");
  return ChatUpdate{json::value_to<Address>(required_field(o, "to", "chat.update")),
                    json::value_to<Message>(required_field(o, "message", "chat.update"))};
}

void tag_invoke(json::value_from_tag, json::value& out, const ChatReply& e) {
  json::object o{{"channel", e.channel}, {"reply", reply_to_json(e.reply)}};
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) o[key] = value;
  };
  put("conversation", e.conversation);
  put("thread", e.thread);
  put("service_url", e.service_url);
  put("response_url", e.response_url);
  put("user", e.user);
  if (e.replace_original) o["replace_original"] = true;
  out = std::move(o);
}

ChatReply tag_invoke(json::value_to_tag<ChatReply>, const json::value& in) {
  constexpr std::string_view what = "chat.reply";
  const auto& o = object_of(in, what);
  ChatReply e;
  e.channel = text_field(o, "channel", what);
  e.conversation = text_field(o, "conversation", what);
  e.thread = text_field(o, "thread", what);
  e.service_url = text_field(o, "service_url", what);
  e.response_url = text_field(o, "response_url", what);
  e.user = text_field(o, "user", what);
  e.replace_original = flag_field(o, "replace_original");
  e.reply = reply_from_json(object_of(required_field(o, "reply", what), what));
  if (e.channel.empty()) throw invalid_input("chat.reply has no \"channel\"");
  return e;
}

void tag_invoke(json::value_from_tag, json::value& out, const Email& e) {
  json::array to;
  for (const auto& t : e.to) to.push_back(json::value(t));
  out = json::object{{"to", std::move(to)}, {"message", json::value_from(e.message)}};
}

Email tag_invoke(json::value_to_tag<Email>, const json::value& in) {
  const auto& o = object_of(in, "email.send");
  Email e;
  e.to = strings_of(o, "to");
  e.message = json::value_to<Message>(required_field(o, "message", "email.send"));
  if (e.to.empty()) throw invalid_input("email.send has no recipients");
  return e;
}

void tag_invoke(json::value_from_tag, json::value& out, const Page& e) {
  out = json::object{{"action", e.action}, {"dedup_key", e.dedup_key}, {"facts", e.facts}};
}

Page tag_invoke(json::value_to_tag<Page>, const json::value& in) {
  constexpr std::string_view what = "page.event";
  const auto& o = object_of(in, what);
  Page e{text_field(o, "action", what), text_field(o, "dedup_key", what), object_field(o, "facts", what)};
  if (e.action != "trigger" && e.action != "acknowledge" && e.action != "resolve")
    throw invalid_input("page.event: \"action\" must be trigger, acknowledge or resolve");
  if (e.dedup_key.empty()) throw invalid_input("page.event has no \"dedup_key\"");
  return e;
}

void tag_invoke(json::value_from_tag, json::value& out, const TicketCreate& e) {
  out = json::object{{"request_id", e.request_id},
                     {"subject", e.subject},
                     {"idempotency_label", e.idempotency_label},
                     {"jql", e.jql},
                     {"body", e.body}};
}

TicketCreate tag_invoke(json::value_to_tag<TicketCreate>, const json::value& in) {
  constexpr std::string_view what = "ticket.create";
  const auto& o = object_of(in, what);
  TicketCreate e{int_field(o, "request_id", what), text_field(o, "subject", what), text_field(o, "idempotency_label", what),
                 text_field(o, "jql", what), object_field(o, "body", what)};
  if (e.request_id <= 0) throw invalid_input("ticket.create has no request_id");
  if (e.idempotency_label.empty()) throw invalid_input("ticket.create has no \"idempotency_label\"");
  if (e.body.empty()) throw invalid_input("ticket.create has no body object");
  return e;
}

void tag_invoke(json::value_from_tag, json::value& out, const TicketComment& e) {
  out = json::object{{"ticket_key", e.ticket_key}, {"ref", e.ref}, {"subject", e.subject}, {"body", e.body}};
}

TicketComment tag_invoke(json::value_to_tag<TicketComment>, const json::value& in) {
  constexpr std::string_view what = "ticket.comment";
  const auto& o = object_of(in, what);
  TicketComment e{text_field(o, "ticket_key", what), text_field(o, "ref", what), text_field(o, "subject", what),
                  object_field(o, "body", what)};
  if (e.ticket_key.empty()) throw invalid_input("ticket.comment has no \"ticket_key\"");
  if (e.body.empty()) throw invalid_input("ticket.comment has no ADF body");
  return e;
}

void tag_invoke(json::value_from_tag, json::value& out, const TicketTransition& e) {
  out = json::object{{"ticket_key", e.ticket_key}, {"transition", e.transition}, {"subject", e.subject}, {"reason", e.reason}};
}

TicketTransition tag_invoke(json::value_to_tag<TicketTransition>, const json::value& in) {
  constexpr std::string_view what = "ticket.transition";
  const auto& o = object_of(in, what);
  TicketTransition e{text_field(o, "ticket_key", what), text_field(o, "transition", what), text_field(o, "subject", what),
                     text_field(o, "reason", what)};
  if (e.ticket_key.empty()) throw invalid_input("ticket.transition has no \"ticket_key\"");
  return e;
}

std::string post_kind(std::string_view channel) { return std::string(channel) + ".post"; }
std::string update_kind(std::string_view channel) { return std::string(channel) + ".update"; }
std::string reply_kind(std::string_view channel) { return std::string(channel) + ".reply"; }
std::string outbox_kind(const ChatPost& e) { return post_kind(e.to.channel); }
std::string outbox_kind(const ChatUpdate& e) { return update_kind(e.to.channel); }
std::string outbox_kind(const ChatReply& e) { return reply_kind(e.channel); }

std::int64_t enqueue_json(storage::Database& db, std::string_view kind, const std::string& key, const json::object& payload,
                          UnixSeconds now, const Queue& options) {
  outbox::Effect effect;
  effect.kind = std::string(kind);
  effect.idempotency_key = key;
  effect.payload = payload;
  effect.not_before = options.not_before;
  effect.after = options.after;
  return outbox::enqueue(db, effect, now);
}

}  // namespace costbot::messages
