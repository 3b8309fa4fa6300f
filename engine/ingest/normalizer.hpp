#pragma once
// Makes records from different providers comparable: tag keys case-folded and mapped through the
// configured aliases, the team decided by the ordered attribution rules (with team aliases), the
// environment taken from the normalized tags, and every amount converted into the base currency.
//
// Tags are parsed once per distinct tags text (a bounded cache), not once per row: a resource
// repeats the same tags on every hourly row.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/ingest/cost_record.hpp"

namespace costbot::ingest {

struct NormalizedTags {
  std::vector<std::pair<std::string, std::string>> tags;  // canonical key → value, sorted by key
  std::string json;                                       // the same as a JSON object
  std::string environment;                                // normalized (prod, staging, dev, test, ...)
  std::vector<std::string> tag_rule_team;                 // per attribution rule: the team a tag rule gives
  const std::string* find(std::string_view key) const;
};

struct Normalized {
  std::string_view team;         // '' = unallocated
  std::string_view environment;  // '' = unknown
  std::shared_ptr<const NormalizedTags> tags;  // never null
};

class Normalizer {
 public:
  explicit Normalizer(const config::Config& config);

  // Converts the record's amounts into the base currency and attributes it. Returns false with
  // `error` set when the row cannot be used (unknown currency, tags that are not valid JSON).
  bool apply(CostRecord& record, Normalized& out, std::string& error);

  // Exposed for tests: the canonical form of a tag key, and of an environment value.
  std::string canonical_tag_key(std::string_view key, std::string_view provider_prefix = {}) const;
  static std::string normalize_environment(std::string_view value);
  // The configured team a name or alias refers to (case-insensitive); the name itself otherwise.
  std::string resolve_team(std::string_view name) const;

 private:
  std::shared_ptr<const NormalizedTags> parse_tags(const CostRecord& record, std::string& error) const;
  bool currency_rate(std::string_view currency, double& rate, std::string& error);
  std::string_view attribute(const CostRecord& record, const NormalizedTags& tags) const;

  const config::Config& config_;
  std::unordered_map<std::string, std::string> tag_alias_;   // lower-case alias → canonical key
  std::unordered_map<std::string, std::string> team_alias_;  // lower-case name/alias → team name
  std::vector<std::unordered_map<std::string, std::string>> rule_maps_;  // per rule: lower-case value → team
  std::vector<std::string> rule_team_;  // per rule: its team, resolved through the team aliases

  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<const NormalizedTags>, TextHash, std::equal_to<>> tag_cache_;
  std::string cache_prefix_;  // the tag key prefix the cache was built with
  std::string last_tags_text_;
  std::shared_ptr<const NormalizedTags> last_tags_;
  std::shared_ptr<const NormalizedTags> no_tags_;

  std::string last_currency_;
  double last_rate_ = 1;
};

}  // namespace costbot::ingest
