#pragma once
// The one record of where every copy of a message landed and which version it shows
// (table message_copies), and the one version counter per message subject (message_versions).
//
// The producer plans a copy when it queues the first post of a subject to an address (inside the
// transaction of the change), so a later change redraws every copy, including one whose first
// post is still queued (its ChatUpdate waits for the post in the outbox). The delivery handler of
// the channel fills in where the copy landed (Slack channel + ts, Teams conversation + activity +
// serviceUrl, the web feed) and which version it shows; a redraw older than the version shown is
// skipped, so whoever writes last never draws an older state over a newer one.
//
// A post call that cannot be repeated safely (Slack's chat.postMessage has no idempotency key) is
// started only after begin_attempt() has committed: a copy found "sending" by a retry was maybe
// posted, and the adapter must look before posting again (issue 15, finding 6).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/messages/message.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::messages {

enum class CopyState { queued, sending, posted, failed };
const char* to_string(CopyState state);

struct Copy {
  std::int64_t id = 0;
  std::string subject;
  Address to;             // as the producer addressed it
  std::string post_key;   // the outbox key of its first post
  CopyState state = CopyState::queued;
  std::string conversation;  // where it landed: Slack channel id, Teams conversation id, web feed
  std::string message_id;    // Slack ts, Teams activity id, web: the subject
  std::string service_url;   // Teams
  std::int64_t shown_version = 0;
  std::optional<UnixSeconds> attempt_at;  // when the last post call started
  int attempts = 0;
  UnixSeconds created_at = 0, updated_at = 0;

  bool landed() const { return state == CopyState::posted && !message_id.empty(); }
};

class CopyStore {
 public:
  explicit CopyStore(storage::Database& db) : db_(db) {}

  // ---- producers (inside the transaction of the change) ----
  // The subject's next version: 1, 2, 3, ... (every redraw of any copy takes one).
  std::int64_t next_version(const std::string& subject);
  std::int64_t version(const std::string& subject);
  // The copy of record of `subject` at `to`, created (queued, first post `post_key`) when new.
  Copy plan(const std::string& subject, const Address& to, const std::string& post_key, UnixSeconds now);
  // A message that exists already (a clicked message nobody recorded), recorded as a copy.
  Copy adopt(const std::string& subject, const Address& to, const std::string& conversation, const std::string& message_id,
             const std::string& service_url, UnixSeconds now);

  std::optional<Copy> find(const std::string& subject, const Address& to);
  std::optional<Copy> find(std::int64_t id);
  std::optional<Copy> find_by_post_key(const std::string& post_key);
  // The copy that landed at (channel, conversation, message id), e.g. the message a click came from.
  std::optional<Copy> find_landed(const std::string& channel, const std::string& conversation, const std::string& message_id);
  std::vector<Copy> copies_of(const std::string& subject);

  // ---- delivery handlers ----
  // The copy a post (outbox item `post_key`) is recorded in: the one its producer planned, else one
  // made now (a reply in a thread, a command answer) under `subject`, or under a subject of its own
  // when `subject` is empty or its copy at `to` belongs to another message.
  Copy copy_for_post(const std::string& post_key, const std::string& subject, const Address& to, UnixSeconds now);
  // Commit this before a post call that cannot be repeated safely.
  void begin_attempt(std::int64_t id, UnixSeconds now);
  // The call surely did not post (the service answered with an error): back to queued.
  void attempt_refused(std::int64_t id, UnixSeconds now);
  // The post landed: where, and which version it shows.
  void landed(std::int64_t id, const std::string& conversation, const std::string& message_id,
              const std::string& service_url, std::int64_t version, UnixSeconds now);
  // A redraw of version `version` is about to be sent: false when the copy shows a newer one.
  bool may_show(const Copy& copy, std::int64_t version) const;
  void shown(std::int64_t id, std::int64_t version, UnixSeconds now);
  void failed(std::int64_t id, UnixSeconds now);

 private:
  storage::Database& db_;
};

}  // namespace costbot::messages
