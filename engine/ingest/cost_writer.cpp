#include "engine/ingest/cost_writer.hpp"

#include <xxhash.h>

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <tuple>

namespace costbot::ingest {
namespace {

std::string instant_text(UnixSeconds t) { return format_instant(t); }

// The dimensions of a daily row, in the order of the cost_daily columns they fill.
enum Dim {
  kProvider, kBillingAccount, kSubAccount, kSubAccountName, kService, kServiceCategory, kRegion, kResourceId,
  kResourceType, kSku, kUsageType, kChargeCategory, kCommitment, kTeam, kEnvironment, kConsumedUnit, kDims
};

struct DailyKey {
  std::int64_t scope_id;
  std::int32_t day;
  std::uint64_t dims;
  bool operator==(const DailyKey&) const = default;
};

struct DailyKeyHash {
  std::size_t operator()(const DailyKey& k) const {
    return static_cast<std::size_t>(k.dims ^ (static_cast<std::uint64_t>(k.scope_id) * 0x9e3779b97f4a7c15ull) ^
                                    static_cast<std::uint64_t>(static_cast<std::uint32_t>(k.day)) << 40);
  }
};

struct Daily {
  DailyKey key;
  std::uint32_t dims[kDims];  // interned strings
  double billed = 0, effective = 0, list = 0, contracted = 0, quantity = 0;
  std::int64_t rows = 0;
};

struct Resource {
  std::string provider, sub_account_id, resource_name, resource_type, service_name, region, team, environment;
  std::shared_ptr<const NormalizedTags> tags;
  UnixSeconds first_seen = 0, last_seen = 0;
};

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
};

// Interned strings for one batch; std::deque keeps every stored string (and its views) in place.
class StringPool {
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
  boost::unordered_flat_map<std::string_view, std::uint32_t, TextHash> index_;
  std::deque<std::string> storage_;
};

}  // namespace

// One batch: daily rows, and the resources seen since resources were last written. Both are bounded
// by batch_rows: daily rows directly; resources (at most about twice) because a batch carries them
// to the worker once they are that many (each resource upsert is as costly as a daily row's, and a resource recurs in
// every batch of a long file: carrying them over writes each about once per run, not per batch).
// Open-addressing maps (boost::unordered_flat_map): one lookup per billing row, no node allocations.
struct CostWriter::Batch {
  boost::unordered_flat_map<DailyKey, std::uint32_t, DailyKeyHash> index;  // key → entry in daily
  std::vector<Daily> daily;
  StringPool pool;
  boost::unordered_flat_map<std::string, Resource, TextHash, std::equal_to<>> resources;
  bool empty() const { return daily.empty() && resources.empty(); }
  void clear() {
    index.clear();
    daily.clear();
    pool.clear();
    resources.clear();
  }
};

// Writes full batches on a second thread while the next batch fills, so parsing and SQLite overlap.
// It shares the run's connection (opened serialized: SQLite's own mutex orders the calls) and its
// transaction; the caller waits for it (idle()) before its own statements that must not interleave.
struct CostWriter::Worker {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable changed;
  std::unique_ptr<Batch> job;    // being written
  std::unique_ptr<Batch> spare;  // written and cleared, ready to fill again
  bool busy = false;
  bool stop = false;
  std::atomic<bool> abort{false};
  std::exception_ptr error;
};

CostWriter::CostWriter(storage::Database& db, std::int64_t run_id, SourceType type, std::int64_t batch_rows,
                       std::string scope_kind)
    : db_(db), run_id_(run_id), type_(type),
      scope_kind_(scope_kind.empty() ? std::string(name_of(type)) : std::move(scope_kind)),
      batch_rows_(std::max<std::int64_t>(1, batch_rows)),
      batch_(std::make_unique<Batch>()), worker_(std::make_unique<Worker>()) {
  batch_->daily.reserve(static_cast<std::size_t>(std::min<std::int64_t>(batch_rows_, 1 << 20)));
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

CostWriter::~CostWriter() {
  if (!worker_->thread.joinable()) return;
  {
    std::lock_guard lock(worker_->mutex);
    worker_->stop = true;
    worker_->abort = true;  // a run that ends here failed: stop writing, it rolls back anyway
  }
  worker_->changed.notify_all();
  worker_->thread.join();
}

void CostWriter::worker_loop() {
  auto& w = *worker_;
  for (;;) {
    std::unique_ptr<Batch> batch;
    {
      std::unique_lock lock(w.mutex);
      w.changed.wait(lock, [&] { return w.job || w.stop; });
      if (!w.job) return;
      batch = std::move(w.job);
    }
    try {
      write(*batch, &w.abort);
    } catch (...) {
      std::lock_guard lock(w.mutex);
      w.error = std::current_exception();
    }
    batch->clear();
    {
      std::lock_guard lock(w.mutex);
      w.spare = std::move(batch);
      w.busy = false;
    }
    w.changed.notify_all();
  }
}

void CostWriter::wait_idle() {
  auto& w = *worker_;
  std::unique_lock lock(w.mutex);
  w.changed.wait(lock, [&] { return !w.busy; });
  if (w.error) std::rethrow_exception(std::exchange(w.error, nullptr));
}

void CostWriter::submit(bool last) {
  if (!worker_->thread.joinable()) worker_->thread = std::thread([this] { worker_loop(); });
  wait_idle();
  {
    std::lock_guard lock(worker_->mutex);
    auto next = worker_->spare ? std::move(worker_->spare) : std::make_unique<Batch>();
    // Resources stay in memory for the next batch until they are batch_rows many (or the run ends).
    if (!last && static_cast<std::int64_t>(batch_->resources.size()) < batch_rows_)
      std::swap(next->resources, batch_->resources);
    worker_->job = std::move(batch_);
    worker_->busy = true;
    batch_ = std::move(next);
  }
  worker_->changed.notify_all();
}

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
    wait_idle();
    SQLite::Statement claim(db_.sql(),
                            "INSERT INTO billing_scopes(source_type, provider, billing_account_id, billing_period_start, "
                            "run_id) VALUES (?, ?, ?, ?, ?) "
                            "ON CONFLICT(source_type, provider, billing_account_id, billing_period_start) "
                            "DO UPDATE SET run_id = excluded.run_id RETURNING id");
    claim.bind(1, scope_kind_);
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
  // One hash over all dimensions, separated so ("ab","c") and ("a","bc") differ. It only has to be
  // consistent within one run: a run deletes every row of a scope before it writes that scope.
  auto& bytes = key_bytes_;
  bytes.clear();
  for (auto s : dims) {
    bytes.append(s);
    bytes.push_back('\x1f');
  }
  DailyKey key{scope, static_cast<std::int32_t>(day_of(r.charge_start).time_since_epoch().count()),
               XXH3_64bits(bytes.data(), bytes.size())};
  auto [it, inserted] = batch_->index.try_emplace(key, static_cast<std::uint32_t>(batch_->daily.size()));
  if (inserted) {
    Daily& fresh = batch_->daily.emplace_back();
    fresh.key = key;
    for (int i = 0; i < kDims; ++i) fresh.dims[i] = batch_->pool.intern(dims[i]);
  }
  Daily& d = batch_->daily[it->second];
  d.billed += r.billed_cost;
  d.effective += r.effective_cost;
  d.list += r.list_cost;
  d.contracted += r.contracted_cost;
  d.quantity += r.consumed_quantity;
  ++d.rows;

  if (!r.resource_id.empty()) add_resource(r, n);
  if (static_cast<std::int64_t>(batch_->daily.size()) >= batch_rows_) submit();
}

void CostWriter::add_resource(const CostRecord& r, const Normalized& n) {
  auto& resources = batch_->resources;
  auto it = resources.find(r.resource_id);
  if (it == resources.end()) {
    resources.emplace(std::string(r.resource_id),
                      Resource{std::string(r.provider), std::string(r.sub_account_id), std::string(r.resource_name),
                               std::string(r.resource_type), std::string(r.service_name), std::string(r.region),
                               std::string(n.team), std::string(n.environment), n.tags, r.charge_start,
                               r.charge_start});
    return;
  }
  Resource& res = it->second;
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

void CostWriter::write(Batch& batch, const std::atomic<bool>* abort) {
  // In key order, so consecutive upserts land next to each other in the unique index.
  auto& daily = batch.daily;
  std::sort(daily.begin(), daily.end(), [](const Daily& a, const Daily& b) {
    return std::tie(a.key.scope_id, a.key.day, a.key.dims) < std::tie(b.key.scope_id, b.key.day, b.key.dims);
  });
  auto& q = *upsert_daily_;
  for (const Daily& d : daily) {
    if (abort && abort->load(std::memory_order_relaxed)) return;
    q.bind(1, static_cast<int64_t>(d.key.scope_id));
    q.bind(2, format_day(Day{std::chrono::days{d.key.day}}));
    q.bind(3, static_cast<int64_t>(d.key.dims));
    static constexpr int kColumn[kDims] = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 24};
    for (int i = 0; i < kDims; ++i) q.bindNoCopy(kColumn[i], batch.pool.at(d.dims[i]));
    q.bind(19, d.billed);
    q.bind(20, d.effective);
    q.bind(21, d.list);
    q.bind(22, d.contracted);
    q.bind(23, d.quantity);
    q.bind(25, static_cast<int64_t>(d.rows));
    q.exec();
    q.reset();
  }

  auto& rq = *upsert_resource_;
  for (const auto& [id, r] : batch.resources) {
    rq.bindNoCopy(1, id);
    rq.bindNoCopy(2, r.provider);
    rq.bindNoCopy(3, r.sub_account_id);
    rq.bindNoCopy(4, r.resource_name);
    rq.bindNoCopy(5, r.resource_type);
    rq.bindNoCopy(6, r.service_name);
    rq.bindNoCopy(7, r.region);
    rq.bindNoCopy(8, r.team);
    rq.bindNoCopy(9, r.environment);
    rq.bindNoCopy(10, r.tags->json);
    rq.bind(11, instant_text(r.first_seen));
    rq.bind(12, instant_text(r.last_seen));
    rq.exec();
    rq.reset();
  }
}

void CostWriter::flush() {
  if (worker_->thread.joinable()) {
    if (!batch_->empty()) submit(true);
    wait_idle();
  } else if (!batch_->empty()) {
    write(*batch_, nullptr);  // a small file: one batch, no thread
    batch_->clear();
  }
}

}  // namespace costbot::ingest
