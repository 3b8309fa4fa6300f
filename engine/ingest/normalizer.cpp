#include "engine/ingest/normalizer.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "engine/util/glob.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {
namespace {

namespace json = boost::json;

constexpr std::size_t kTagCacheLimit = 20000;

std::string value_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return {};
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return json::serialize(v);
}

}  // namespace

const std::string* NormalizedTags::find(std::string_view key) const {
  auto it = std::lower_bound(tags.begin(), tags.end(), key, [](const auto& kv, std::string_view k) { return kv.first < k; });
  return it != tags.end() && it->first == key ? &it->second : nullptr;
}

Normalizer::Normalizer(const config::Config& config) : config_(config) {
  for (const auto& [canonical, aliases] : config.tags.aliases) {
    std::string key = text::to_lower(text::trim(canonical));
    tag_alias_[key] = key;
    for (const auto& alias : aliases) tag_alias_.emplace(text::to_lower(text::trim(alias)), key);
  }
  for (const auto& team : config.teams) {
    team_alias_[text::to_lower(team.name)] = team.name;
    for (const auto& alias : team.aliases) team_alias_.emplace(text::to_lower(alias), team.name);
  }
  for (const auto& rule : config.attribution) {
    auto& m = rule_maps_.emplace_back();
    for (const auto& [value, team] : rule.map) m[text::to_lower(value)] = resolve_team(team);
    rule_team_.push_back(rule.team.empty() ? std::string() : resolve_team(rule.team));
  }
  auto empty = std::make_shared<NormalizedTags>();
  empty->json = "{}";
  empty->tag_rule_team.resize(config.attribution.size());
  no_tags_ = empty;
}

std::string Normalizer::resolve_team(std::string_view name) const {
  std::string trimmed(text::trim(name));
  auto it = team_alias_.find(text::to_lower(trimmed));
  return it != team_alias_.end() ? it->second : trimmed;
}

std::string Normalizer::canonical_tag_key(std::string_view key, std::string_view provider_prefix) const {
  std::string k = text::to_lower(text::trim(key));
  if (!provider_prefix.empty() && k.size() > provider_prefix.size() && k.starts_with(provider_prefix))
    k.erase(0, provider_prefix.size());
  auto it = tag_alias_.find(k);
  return it != tag_alias_.end() ? it->second : k;
}

std::string Normalizer::normalize_environment(std::string_view value) {
  std::string v = text::to_lower(text::trim(value));
  if (v == "production" || v == "prd" || v == "prod" || v == "live") return "prod";
  if (v == "staging" || v == "stage" || v == "stg" || v == "preprod" || v == "pre-prod") return "staging";
  if (v == "development" || v == "dev" || v == "develop") return "dev";
  if (v == "test" || v == "testing" || v == "qa" || v == "tst") return "test";
  if (v == "sandbox" || v == "sbx") return "sandbox";
  return v;
}

std::shared_ptr<const NormalizedTags> Normalizer::parse_tags(const CostRecord& record, std::string& error) const {
  json::error_code ec;
  json::value parsed;
  if (record.tag_format == TagFormat::json_fragment) {
    std::string wrapped;
    wrapped.reserve(record.tags.size() + 2);
    wrapped += '{';
    wrapped += record.tags;
    wrapped += '}';
    parsed = json::parse(wrapped, ec);
  } else {
    parsed = json::parse(record.tags, ec);
  }
  // Raw key → value pairs in file order.
  std::vector<std::pair<std::string, std::string>> raw;
  if (!ec && parsed.is_object()) {
    for (const auto& kv : parsed.get_object()) raw.emplace_back(std::string(kv.key()), value_text(kv.value()));
  } else if (!ec && parsed.is_array() && record.tag_format == TagFormat::key_value_list) {
    for (const auto& item : parsed.get_array()) {
      const auto* obj = item.if_object();
      const json::value* k = obj ? obj->if_contains("key") : nullptr;
      if (!k || !k->is_string()) {
        error = "tags: expected a list of {\"key\": ..., \"value\": ...}";
        return nullptr;
      }
      const json::value* v = obj->if_contains("value");
      raw.emplace_back(std::string(k->get_string()), v ? value_text(*v) : std::string());
    }
  } else {
    error = std::string("tags: not a JSON object") + (ec ? " (" + ec.message() + ")" : "");
    return nullptr;
  }

  auto out = std::make_shared<NormalizedTags>();
  // A key written in its canonical spelling wins over an alias of it; otherwise the first wins.
  std::vector<bool> exact;
  for (auto& [key, value] : raw) {
    std::string folded = text::to_lower(text::trim(key));
    if (!record.tag_key_prefix.empty() && folded.size() > record.tag_key_prefix.size() &&
        folded.starts_with(record.tag_key_prefix))
      folded.erase(0, record.tag_key_prefix.size());
    if (folded.empty()) continue;
    auto alias = tag_alias_.find(folded);
    std::string canonical = alias != tag_alias_.end() ? alias->second : folded;
    bool is_exact = canonical == folded;
    auto it = std::find_if(out->tags.begin(), out->tags.end(), [&](const auto& kv) { return kv.first == canonical; });
    if (it == out->tags.end()) {
      out->tags.emplace_back(canonical, std::move(value));
      exact.push_back(is_exact);
    } else if (is_exact && !exact[static_cast<std::size_t>(it - out->tags.begin())]) {
      it->second = std::move(value);
      exact[static_cast<std::size_t>(it - out->tags.begin())] = true;
    }
  }
  std::sort(out->tags.begin(), out->tags.end());
  json::object obj;
  for (const auto& [k, v] : out->tags) obj[k] = v;
  out->json = json::serialize(obj);
  const std::string* env = out->find("environment");
  if (!env) env = out->find("env");
  if (env) out->environment = normalize_environment(*env);

  out->tag_rule_team.resize(config_.attribution.size());
  for (std::size_t i = 0; i < config_.attribution.size(); ++i) {
    const auto& rule = config_.attribution[i];
    if (rule.tag.empty()) continue;
    const std::string* value = out->find(canonical_tag_key(rule.tag));
    if (!value || text::trim(*value).empty()) continue;
    auto mapped = rule_maps_[i].find(text::to_lower(text::trim(*value)));
    out->tag_rule_team[i] = mapped != rule_maps_[i].end() ? mapped->second : resolve_team(*value);
  }
  return out;
}

std::string_view Normalizer::attribute(const CostRecord& r, const NormalizedTags& tags) const {
  for (std::size_t i = 0; i < config_.attribution.size(); ++i) {
    const auto& rule = config_.attribution[i];
    if (!rule.provider.empty() && !text::glob_match_icase(rule.provider, r.provider)) continue;
    bool matched;
    if (!rule.tag.empty()) {
      if (!tags.tag_rule_team[i].empty()) return tags.tag_rule_team[i];
      continue;
    } else if (!rule.account.empty()) {
      matched = text::glob_match_icase(rule.account, r.sub_account_id) || text::glob_match_icase(rule.account, r.sub_account_name);
    } else if (!rule.name_pattern.empty()) {
      matched = (!r.resource_id.empty() && text::glob_match_icase(rule.name_pattern, r.resource_id)) ||
                (!r.resource_name.empty() && text::glob_match_icase(rule.name_pattern, r.resource_name));
    } else if (!rule.service.empty()) {
      matched = text::glob_match_icase(rule.service, r.service_name);
    } else {
      matched = true;  // the default rule: just a team
    }
    if (matched) return rule_team_[i];
  }
  return {};
}

bool Normalizer::currency_rate(std::string_view currency, double& rate, std::string& error) {
  if (currency == last_currency_) {
    rate = last_rate_;
    return true;
  }
  std::string_view code = text::trim(currency);
  double found = 0;
  if (text::iequals(code, config_.currency.base)) {
    found = 1;
  } else {
    for (const auto& [key, value] : config_.currency.rates)
      if (text::iequals(key, code)) found = value;
  }
  if (found <= 0) {
    error = "currency \"" + std::string(currency) + "\" has no rate in currency.rates (base currency " +
            config_.currency.base + ")";
    return false;
  }
  last_currency_ = std::string(currency);
  last_rate_ = found;
  rate = found;
  return true;
}

bool Normalizer::apply(CostRecord& r, Normalized& out, std::string& error) {
  double rate = 1;
  if (!currency_rate(r.currency, rate, error)) return false;
  if (rate != 1) {
    r.billed_cost *= rate;
    r.effective_cost *= rate;
    r.list_cost *= rate;
    r.contracted_cost *= rate;
  }

  if (r.tag_format == TagFormat::none || r.tags.empty()) {
    out.tags = no_tags_;
  } else if (last_tags_ && r.tags == last_tags_text_ && r.tag_key_prefix == cache_prefix_) {
    out.tags = last_tags_;
  } else {
    if (r.tag_key_prefix != cache_prefix_) {
      tag_cache_.clear();
      cache_prefix_ = std::string(r.tag_key_prefix);
    }
    auto it = tag_cache_.find(r.tags);
    if (it == tag_cache_.end()) {
      auto parsed = parse_tags(r, error);
      if (!parsed) return false;
      if (tag_cache_.size() >= kTagCacheLimit) tag_cache_.clear();
      it = tag_cache_.emplace(std::string(r.tags), std::move(parsed)).first;
    }
    last_tags_ = it->second;
    last_tags_text_.assign(r.tags);
    out.tags = last_tags_;
  }
  out.environment = out.tags->environment;
  out.team = attribute(r, *out.tags);
  return true;
}

}  // namespace costbot::ingest
