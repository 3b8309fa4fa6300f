#pragma once
// Reading the one message model back in tests: an outbox row's message and what the channel's
// real renderer makes of it, and a copy's first post landing as its delivery handler would record
// it (for engine tests that run no outbox worker).
#include <boost/json.hpp>

#include <string>

#include "engine/messages/message.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"
#include "tests/support/approvals_support.hpp"  // OutboxRow

namespace costbot::testing {

// The message of a chat.* / email row (slack.post, teams.update, web.post, email.send, ...).
messages::Message message_of(const OutboxRow& row);
messages::Address address_of(const OutboxRow& row);
// What the channel sends for the row, rendered from the repository's templates/: a Slack
// chat.postMessage body, a Teams activity, a web post (as /web/feed shows it), an email
// {subject, text}.
boost::json::object rendered(const OutboxRow& row);
// The serialized rendering, for substring checks.
std::string rendered_text(const OutboxRow& row);

// The first post `post_key` was delivered: its copy landed at conversation / message id (and the
// outbox row is done, so edits waiting for it are due).
void land(storage::Database& db, const std::string& post_key, const std::string& conversation,
          const std::string& message_id, const std::string& service_url = "", UnixSeconds now = 1726653600);

}  // namespace costbot::testing
