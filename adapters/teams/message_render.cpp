#include "adapters/teams/message_render.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "adapters/teams/adaptive_card.hpp"

namespace costbot::teams {
namespace {
namespace json = boost::json;

// Who Teams can notify from a card's mention entity: a Teams user id ("29:..."), an Entra object
// id (a GUID) or a user principal name (Microsoft's "Format cards in Teams", user mention IDs).
// Anything else (a Slack id in a shared role list, a plain name) is written, not mentioned.
bool teams_mentionable(std::string_view id) {
  if (id.starts_with("29:") && id.size() > 3) return true;
  if (id.size() == 36) {
    bool guid = true;
    for (std::size_t i = 0; i < id.size() && guid; ++i)
      guid = (i == 8 || i == 13 || i == 18 || i == 23) ? id[i] == '-' : std::isxdigit(static_cast<unsigned char>(id[i])) != 0;
    if (guid) return true;
  }
  const auto at = id.find('@');
  return at != std::string_view::npos && at > 0 && id.find('.', at) != std::string_view::npos &&
         id.find_first_of(" <>") == std::string_view::npos;
}

std::string teams_mention_markup(std::string_view id) {
  return teams_mentionable(id) ? "<at>" + std::string(id) + "</at>" : "@" + std::string(id);
}

// The people a message's facts name (the keys messages/style.hpp turns into mentions).
void teams_people_in_facts(const json::value& v, std::vector<std::string>& out) {
  if (v.is_array()) {
    for (const auto& item : v.as_array()) teams_people_in_facts(item, out);
    return;
  }
  if (!v.is_object()) return;
  for (const auto& [key, value] : v.as_object()) {
    const std::string_view k = key;
    if ((k == "user" || k.ends_with("_user")) && value.is_string()) out.emplace_back(value.get_string());
    else if (k.ends_with("_users") && value.is_array()) {
      for (const auto& id : value.as_array())
        if (id.is_string()) out.emplace_back(id.get_string());
    } else {
      teams_people_in_facts(value, out);
    }
  }
}

bool teams_card_says(const json::value& v, const std::string& needle) {
  if (v.is_string()) return std::string_view(v.get_string()).find(needle) != std::string_view::npos;
  if (v.is_array()) return std::any_of(v.as_array().begin(), v.as_array().end(), [&](const auto& x) { return teams_card_says(x, needle); });
  if (v.is_object())
    return std::any_of(v.as_object().begin(), v.as_object().end(), [&](const auto& kv) { return teams_card_says(kv.value(), needle); });
  return false;
}

// A card's <at>id</at> only notifies the person with a mention entity beside it (msteams.entities).
// Entities come from the facts' people, never from other text: a resource name that happens to
// contain "<at>...</at>" notifies nobody.
void teams_add_mention_entities(json::object& card, const json::object& facts) {
  std::vector<std::string> people;
  teams_people_in_facts(facts, people);
  json::array entities;
  std::vector<std::string> done;
  for (const auto& id : people) {
    if (!teams_mentionable(id) || std::find(done.begin(), done.end(), id) != done.end()) continue;
    const std::string text = teams_mention_markup(id);
    if (!teams_card_says(card.at("body"), text)) continue;
    done.push_back(id);
    entities.push_back({{"type", "mention"}, {"text", text}, {"mentioned", {{"id", id}, {"name", id}}}});
  }
  if (entities.empty()) return;
  auto& msteams = card["msteams"];
  if (!msteams.is_object()) msteams = json::object{};
  msteams.as_object()["entities"] = std::move(entities);
}

}  // namespace

// Facts are plain text, but Teams reads card text as Markdown: no hidden links from data (a
// finding's summary, a rejection reason). People are @mentioned (added after escaping).
const messages::TextStyle& text_style() {
  static const messages::TextStyle style{&card_plain_text, nullptr, teams_mention_markup};
  return style;
}

boost::json::object render_message_activity(const render::Templates& templates, const messages::Message& message,
                                            bool edit) {
  if (message.is_reply()) {
    auto reply = messages::reply_of(message);
    return edit ? card_activity(render_card(reply), reply.summary()) : render_activity(reply);
  }
  auto rendered = messages::render_template(templates, "teams", message, text_style());
  json::object card = rendered.json.is_object() ? rendered.json.as_object() : json::object{};
  if (card.contains("body")) teams_add_mention_entities(card, message.facts);
  return card_activity(card);
}

}  // namespace costbot::teams
