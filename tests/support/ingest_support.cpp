#include "tests/support/ingest_support.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "engine/util/strings.hpp"

namespace costbot::testing {
namespace {

std::vector<std::string> all_rows(storage::Database& db, const std::string& sql) {
  SQLite::Statement q(db.sql(), sql);
  std::vector<std::string> out;
  while (q.executeStep()) {
    std::string row;
    for (int i = 0; i < q.getColumnCount(); ++i) row += q.getColumn(i).getString() + "|";
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end());
  return out;
}

double sum(storage::Database& db, const std::string& column, const std::string& where) {
  return db.sql().execAndGet("SELECT COALESCE(SUM(" + column + "), 0) FROM cost_daily WHERE " + where).getDouble();
}

std::string csv_quoted(const std::string& s) {
  std::string out;
  text::append_csv_field(out, s, true);
  return out;
}

}  // namespace

StoreSnapshot snapshot(storage::Database& db) {
  StoreSnapshot s;
  s.cost_rows = all_rows(db, "SELECT * FROM cost_daily");
  s.resources = all_rows(db, "SELECT * FROM resources");
  s.scopes = all_rows(db, "SELECT * FROM billing_scopes");
  s.quarantine = db.sql().execAndGet("SELECT COUNT(*) FROM quarantine").getInt64();
  s.usage_metrics = db.sql().execAndGet("SELECT COUNT(*) FROM usage_metrics").getInt64();
  return s;
}

double billed_total(storage::Database& db, const std::string& where) { return sum(db, "billed_cost", where); }
double effective_total(storage::Database& db, const std::string& where) { return sum(db, "effective_cost", where); }

IngestFixture::IngestFixture()
    : config(config::load(source_path("config/costbot.example.yaml"))),
      db(storage::open_migrated(dir.file("costbot.db"))),
      clock(*parse_instant("2024-10-02T08:00:00Z")) {}

ingest::FileResult IngestFixture::ingest(ingest::SourceType type, const std::string& path, bool force) {
  ingest::IngestOptions options;
  options.force = force;
  return ingest::ingest_file(db, config, type, path, clock, options);
}

std::string focus_csv(const std::vector<FocusRow>& rows) {
  std::string out =
      "BilledCost,EffectiveCost,ChargePeriodStart,BillingPeriodStart,ChargeCategory,ProviderName,ServiceName,"
      "BillingAccountId,BillingCurrency,ResourceId,Tags\n";
  for (const auto& r : rows) {
    std::string period = r.start.size() >= 7 ? r.start.substr(0, 7) + "-01T00:00:00Z" : r.start;
    out += r.billed + "," + r.effective + "," + csv_quoted(r.start) + "," + csv_quoted(period) + ",\"Usage\"," +
           csv_quoted(r.provider) + "," + csv_quoted(r.service) + "," + csv_quoted(r.account) + "," + csv_quoted(r.currency) + "," +
           (r.resource.empty() ? "NULL" : csv_quoted(r.resource)) + "," + (r.tags.empty() ? "NULL" : csv_quoted(r.tags)) +
           "\n";
  }
  return out;
}

std::string gzip_bytes(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace costbot::testing
