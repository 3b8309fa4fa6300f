#pragma once
// What a message says about one subject (an incident, or a finding on its own), loaded once per
// run: the latest finding, the incident, the severity it is delivered with, its acknowledgement,
// the facts, and the "state" string an alert_items row remembers (a change means an edit).
#include <boost/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/alerts/alert_store.hpp"
#include "engine/config/config.hpp"
#include "engine/detect/finding.hpp"
#include "engine/storage/database.hpp"

namespace costbot::alerts {

struct SubjectView {
  std::string subject;  // incident:7, finding:12
  detect::Finding finding;
  std::optional<detect::Incident> incident;
  std::string severity;  // the incident's highest, else the finding's
  bool open = false;
  std::optional<AckRecord> ack;
  std::string state;  // status|severity|finding id|ack
  boost::json::object facts;
};

// Loads and caches subjects for one run (facts are computed once per subject).
class SubjectCache {
 public:
  SubjectCache(storage::Database& db, const config::Config& config) : db_(db), config_(config) {}
  // nullptr when the subject is not an incident or finding that exists.
  SubjectView* get(const std::string& subject);
  void forget(const std::string& subject) { cache_.erase(subject); }

 private:
  storage::Database& db_;
  const config::Config& config_;
  std::map<std::string, std::unique_ptr<SubjectView>> cache_;
};

// The single-item template context: the facts plus the message's own flags (update, ack, buttons).
boost::json::object item_context(const config::Config& config, const SubjectView& s, std::int64_t version);
// The grouped-message context: a summary, the top items by impact, and "N more".
boost::json::object group_context(const config::Config& config, const std::vector<SubjectView*>& items);
// The buttons of a message about `s` in the web feed's shape: [{verb, label, subject}].
boost::json::array web_actions(const config::Config& config, const SubjectView& s);

std::string when_text(UnixSeconds t);  // "Sep 18 14:02 UTC"

}  // namespace costbot::alerts
