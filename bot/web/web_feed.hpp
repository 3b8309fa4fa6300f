#pragma once
// The local web channel's store (table web_posts): what web.post effects posted, per feed and
// subject, read back by the page's JSON endpoints.
//
// Posts arrive as web.post / web.update effects (engine/messages: ChatPost / ChatUpdate to the web
// channel, the feed as the address's target), rendered by render_post(). With a version, the post
// is the message itself: it replaces an older version of the same feed and subject (an update in
// place) and is ignored when an equal or newer one is stored. Without a version it is a notice
// about the message (a reminder, an escalation): added to its notes.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/messages/message.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::web {

struct Post {
  std::string feed, subject;
  std::int64_t version = 0;
  std::string event, title, text, html, severity;
  boost::json::object view;
  boost::json::array actions;
  boost::json::array notes;
  UnixSeconds posted_at = 0, updated_at = 0;
  std::int64_t seq = 0;
};

enum class StoreOutcome { inserted, replaced, noted, stale };
const char* to_string(StoreOutcome outcome);

// Validates a web post given as JSON: throws Error(invalid_input) naming the missing or mistyped field.
Post post_from_payload(const boost::json::object& payload);

// The web channel's renderer of the one message model: a message for the feed `feed` as a post.
//   text      templates/web/<template_key>.txt with the facts as plain text (a chat::Reply: its text)
//   title     facts "web_title", else "title" (a reply: its title)
//   event     facts "web_event", else the template key's last part ("approval_request", "anomaly")
//   severity  facts "severity";  actions: facts "actions" ([{verb, label, subject}]);  view: the facts
//   version   the message's (0: a notice, added to the post's notes)
Post render_post(const render::Templates& templates, const std::string& feed, const messages::Message& message);

// Stores one post inside the caller's write transaction.
StoreOutcome store_post(storage::Database& db, const Post& post, bool versioned, UnixSeconds now);

struct FeedQuery {
  std::string feed;
  std::size_t limit = 100;     // newest first
  std::int64_t after_seq = 0;  // only posts changed after this sequence number
};
std::vector<Post> feed_posts(storage::Database& db, const FeedQuery& query);
std::optional<Post> find_post(storage::Database& db, const std::string& feed, const std::string& subject);

struct FeedSummary {
  std::string feed;
  std::int64_t posts = 0;
  std::int64_t last_seq = 0;
};
std::vector<FeedSummary> feeds(storage::Database& db);

boost::json::object to_json(const Post& post);

}  // namespace costbot::web
