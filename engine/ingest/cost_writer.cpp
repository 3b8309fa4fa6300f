#include "engine/ingest/cost_writer.hpp"

#include <algorithm>
#include <deque>
#include <tuple>

namespace costbot::ingest {
namespace {

constexpr std::size_t kResourceBatch = 50000;

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// The dimension hash only has to be consistent within one run: a run deletes every row of a scope
// before it writes that scope again, so rows written by other builds never meet this hash.
std::uint64_t add_to_hash(std::uint64_t h, std::string_view s) {
  return mix(h ^ (std::hash<std::string_view>{}(s) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)));
}

std::string instant_text(UnixSeconds t) { return format_instant(t); }

}  // namespace

// The dimensions of a daily row, in the order of the cost_daily columns they fill.
enum Dim {
  kProvider, kBillingAccount, kSubAccount, kSubAccountName, kService, kServiceCategory, kRegion, kResourceId,
  kResourceType, kSku, kUsageType, kChargeCategory, kCommitment, kTeam, kEnvironment, kConsumedUnit, kDims
};

struct CostWriter::Daily {
  DailyKey key;
  std::uint32_t dims[kDims];  // interned strings
  double billed = 0, effective = 0, list = 0, contracted = 0, quantity = 0;
  std::int64_t rows = 0;
};

// Interned strings for one batch; std::deque keeps every stored string (and its views) in place.
class CostWriter::StringPool {
 public:
  std::uint32_t intern(std::string_view s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    const std::string& stored = storage_.emplace_back(s);
    auto id = static_cast<std::uint32_t>(storage_.size() - 1);
    index_.emplace(std::string_view(stored), id);
    return id;
  }
  const std::string& at(std::uint32_t id) const { return storage_[id]; }
  void clear() {
    index_.clear();
    storage_.clear();
  }

 private:
  std::unordered_map<std::string_view, std::uint32_t> index_;
  std::deque<std::string> storage_;
};

struct CostWriter::Resource {
  std::string provider, sub_account_id, resource_name, resource_type, service_name, region, team, environment;
  std::shared_ptr<const NormalizedTags> tags;
  UnixSeconds first_seen = 0, last_seen = 0;
};

std::size_t CostWriter::DailyKeyHash::operator()(const DailyKey& k) const {
  return static_cast<std::size_t>(mix(k.dims ^ (static_cast<std::uint64_t>(k.scope_id) << 32) ^
                                      static_cast<std::uint64_t>(static_cast<std::uint32_t>(k.day))));
}

CostWriter::CostWriter(storage::Database& db, std::int64_t run_id, SourceType type, std::int64_t batch_rows)
    : db_(db), run_id_(run_id), type_(type), batch_rows_(std::max<std::int64_t>(1, batch_rows)),
      pool_(std::make_unique<StringPool>()) {
  upsert_daily_ = std::make_unique<SQLite::Statement>(
      db_.sql(),
      "INSERT INTO cost_daily(scope_id, day, key_hash, provider, billing_account_id, sub_account_id, "
      "sub_account_name, service_name, service_category, region, resource_id, resource_type, sku_id, usage_type, "
      "charge_category, commitment_discount_id, team, environment, billed_cost, effective_cost, list_cost, "
      "contracted_cost, consumed_quantity, consumed_unit, row_count) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
      "?23, ?24, ?25) "
      "ON CONFLICT(scope_id, day, key_hash) DO UPDATE SET "
      "billed_cost = billed_cost + excluded.billed_cost, effective_cost = effective_cost + excluded.effective_cost, "
      "list_cost = list_cost + excluded.list_cost, contracted_cost = contracted_cost + excluded.contracted_cost, "
      "consumed_quantity = consumed_quantity + excluded.consumed_quantity, row_count = row_count + excluded.row_count");
  // The newest row decides a resource's descriptive columns; first/last seen only widen.
  upsert_resource_ = std::make_unique<SQLite::Statement>(
      db_.sql(),
      "INSERT INTO resources(resource_id, provider, sub_account_id, resource_name, resource_type, service_name, "
      "region, team, environment, tags, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT(resource_id) DO UPDATE SET "
      "provider = CASE WHEN excluded.last_seen >= last_seen THEN excluded.provider ELSE provider END, "
      "sub_account_id = CASE WHEN excluded.last_seen >= last_seen THEN excluded.sub_account_id ELSE sub_account_id END, "
      "resource_name = CASE WHEN excluded.last_seen >= last_seen AND excluded.resource_name <> '' "
      "  THEN excluded.resource_name ELSE resource_name END, "
      "resource_type = CASE WHEN excluded.last_seen >= last_seen AND excluded.resource_type <> '' "
      "  THEN excluded.resource_type ELSE resource_type END, "
      "service_name = CASE WHEN excluded.last_seen >= last_seen THEN excluded.service_name ELSE service_name END, "
      "region = CASE WHEN excluded.last_seen >= last_seen THEN excluded.region ELSE region END, "
      "team = CASE WHEN excluded.last_seen >= last_seen THEN excluded.team ELSE team END, "
      "environment = CASE WHEN excluded.last_seen >= last_seen THEN excluded.environment ELSE environment END, "
      "tags = CASE WHEN excluded.last_seen >= last_seen THEN excluded.tags ELSE tags END, "
      "first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen)");
}

CostWriter::~CostWriter() = default;

std::int64_t CostWriter::scope_for(const CostRecord& r) {
  if (last_scope_id_ && r.billing_period_start == last_period_ && r.provider == last_provider_ &&
      r.billing_account_id == last_account_)
    return last_scope_id_;
  std::string key;
  key.append(r.provider).push_back('\x1f');
  key.append(r.billing_account_id).push_back('\x1f');
  key.append(format_day(r.billing_period_start));
  auto it = scopes_.find(key);
  if (it == scopes_.end()) {
    // First time this run meets the scope: claim it and drop what earlier runs wrote for it.
    SQLite::Statement claim(db_.sql(),
                            "INSERT INTO billing_scopes(source_type, provider, billing_account_id, billing_period_start, "
                            "run_id) VALUES (?, ?, ?, ?, ?) "
                            "ON CONFLICT(source_type, provider, billing_account_id, billing_period_start) "
                            "DO UPDATE SET run_id = excluded.run_id RETURNING id");
    claim.bind(1, std::string(name_of(type_)));
    claim.bind(2, std::string(r.provider));
    claim.bind(3, std::string(r.billing_account_id));
    claim.bind(4, format_day(r.billing_period_start));
    claim.bind(5, static_cast<int64_t>(run_id_));
    claim.executeStep();
    std::int64_t id = claim.getColumn(0).getInt64();
    claim.reset();
    SQLite::Statement drop(db_.sql(), "DELETE FROM cost_daily WHERE scope_id = ?");
    drop.bind(1, static_cast<int64_t>(id));
    rows_replaced_ += drop.exec();
    SQLite::Statement link(db_.sql(), "INSERT OR IGNORE INTO ingest_run_scopes(run_id, scope_id) VALUES (?, ?)");
    link.bind(1, static_cast<int64_t>(run_id_));
    link.bind(2, static_cast<int64_t>(id));
    link.exec();
    ++scopes_replaced_;
    it = scopes_.emplace(key, id).first;
  }
  last_provider_.assign(r.provider);
  last_account_.assign(r.billing_account_id);
  last_period_ = r.billing_period_start;
  last_scope_id_ = it->second;
  return it->second;
}

void CostWriter::add(const CostRecord& r, const Normalized& n) {
  std::int64_t scope = scope_for(r);
  const std::string_view dims[kDims] = {r.provider, r.billing_account_id, r.sub_account_id, r.sub_account_name,
                                        r.service_name, r.service_category, r.region, r.resource_id,
                                        r.resource_type, r.sku_id, r.usage_type, r.charge_category,
                                        r.commitment_discount_id, n.team, n.environment, r.consumed_unit};
  std::uint64_t h = 0;
  for (auto s : dims) h = add_to_hash(h, s);
  DailyKey key{scope, static_cast<std::int32_t>(day_of(r.charge_start).time_since_epoch().count()), h};
  auto [it, inserted] = daily_index_.try_emplace(key, static_cast<std::uint32_t>(daily_.size()));
  if (inserted) {
    Daily& fresh = daily_.emplace_back();
    fresh.key = key;
    for (int i = 0; i < kDims; ++i) fresh.dims[i] = pool_->intern(dims[i]);
  }
  Daily& d = daily_[it->second];
  d.billed += r.billed_cost;
  d.effective += r.effective_cost;
  d.list += r.list_cost;
  d.contracted += r.contracted_cost;
  d.quantity += r.consumed_quantity;
  ++d.rows;

  if (!r.resource_id.empty()) add_resource(r, n);
  if (static_cast<std::int64_t>(daily_.size()) >= batch_rows_) flush_daily();
  if (resources_.size() >= kResourceBatch) flush_resources();
}

void CostWriter::add_resource(const CostRecord& r, const Normalized& n) {
  auto it = resources_.find(r.resource_id);
  if (it == resources_.end()) {
    auto res = std::make_unique<Resource>(Resource{std::string(r.provider), std::string(r.sub_account_id),
                                                   std::string(r.resource_name), std::string(r.resource_type),
                                                   std::string(r.service_name), std::string(r.region),
                                                   std::string(n.team), std::string(n.environment), n.tags,
                                                   r.charge_start, r.charge_start});
    resources_.emplace(std::string(r.resource_id), std::move(res));
    return;
  }
  Resource& res = *it->second;
  res.first_seen = std::min(res.first_seen, r.charge_start);
  if (r.charge_start < res.last_seen) return;
  res.last_seen = r.charge_start;
  // Usually nothing changed from the previous hour; compare before copying.
  auto set = [](std::string& field, std::string_view value) {
    if (field != value) field.assign(value);
  };
  set(res.provider, r.provider);
  set(res.sub_account_id, r.sub_account_id);
  if (!r.resource_name.empty()) set(res.resource_name, r.resource_name);
  if (!r.resource_type.empty()) set(res.resource_type, r.resource_type);
  set(res.service_name, r.service_name);
  set(res.region, r.region);
  set(res.team, n.team);
  set(res.environment, n.environment);
  if (res.tags != n.tags) res.tags = n.tags;
}

void CostWriter::flush_daily() {
  // In key order, so consecutive upserts land next to each other in the unique index.
  std::sort(daily_.begin(), daily_.end(), [](const Daily& a, const Daily& b) {
    return std::tie(a.key.scope_id, a.key.day, a.key.dims) < std::tie(b.key.scope_id, b.key.day, b.key.dims);
  });
  auto& q = *upsert_daily_;
  for (const Daily& d : daily_) {
    q.bind(1, static_cast<int64_t>(d.key.scope_id));
    q.bind(2, format_day(Day{std::chrono::days{d.key.day}}));
    q.bind(3, static_cast<int64_t>(d.key.dims));
    static constexpr int kColumn[kDims] = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 24};
    for (int i = 0; i < kDims; ++i) q.bindNoCopy(kColumn[i], pool_->at(d.dims[i]));
    q.bind(19, d.billed);
    q.bind(20, d.effective);
    q.bind(21, d.list);
    q.bind(22, d.contracted);
    q.bind(23, d.quantity);
    q.bind(25, static_cast<int64_t>(d.rows));
    q.exec();
    q.reset();
  }
  daily_.clear();
  daily_index_.clear();
  pool_->clear();
}

void CostWriter::flush_resources() {
  auto& q = *upsert_resource_;
  for (const auto& [id, r] : resources_) {
    q.bindNoCopy(1, id);
    q.bindNoCopy(2, r->provider);
    q.bindNoCopy(3, r->sub_account_id);
    q.bindNoCopy(4, r->resource_name);
    q.bindNoCopy(5, r->resource_type);
    q.bindNoCopy(6, r->service_name);
    q.bindNoCopy(7, r->region);
    q.bindNoCopy(8, r->team);
    q.bindNoCopy(9, r->environment);
    q.bindNoCopy(10, r->tags->json);
    q.bind(11, instant_text(r->first_seen));
    q.bind(12, instant_text(r->last_seen));
    q.exec();
    q.reset();
  }
  resources_.clear();
}

void CostWriter::flush() {
  flush_daily();
  flush_resources();
}

}  // namespace costbot::ingest
