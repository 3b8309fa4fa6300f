#pragma once
// The local web channel's store (table web_posts): what web.post effects posted, per feed and
// subject, read back by the page's JSON endpoints.
//
// A web.post payload (the shape every producer uses, see /work COMMON "web.post"):
//   {feed, subject, version?, event?, title?, text?, html?, severity?, view?, actions?, message_id?}
// With a version, the post is the message itself: it replaces an older version of the same feed
// and subject (an update in place) and is ignored when an equal or newer one is stored. Without a
// version it is a notice about the message (a reminder, an escalation): added to its notes.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// Validates a web.post payload: throws Error(invalid_input) naming the missing or mistyped field.
Post post_from_payload(const boost::json::object& payload);

// Stores one post inside the caller's write transaction, and records the posted copy
// (posted_messages: subject, "web", feed, message id = subject) so later changes address it.
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
