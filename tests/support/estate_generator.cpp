#include "tests/support/estate_generator.hpp"

#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::testing {
namespace {

struct SampleField {
  std::string text;
  bool quoted;
  bool null;
};
using SampleRow = std::vector<SampleField>;

class EstateOutput {
 public:
  EstateOutput(const std::string& path, bool gzip) : gzip_(gzip) {
    if (gzip) gz_ = gzopen(path.c_str(), "wb1");
    else file_ = std::fopen(path.c_str(), "wb");
    if (!gz_ && !file_) throw std::runtime_error("cannot write " + path);
  }
  ~EstateOutput() { close(); }
  void write(const std::string& data) {
    bytes_ += static_cast<std::int64_t>(data.size());
    if (gzip_) gzwrite(gz_, data.data(), static_cast<unsigned>(data.size()));
    else std::fwrite(data.data(), 1, data.size(), file_);
  }
  void close() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
    gz_ = nullptr;
    file_ = nullptr;
  }
  std::int64_t bytes() const { return bytes_; }

 private:
  bool gzip_;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
  std::int64_t bytes_ = 0;
};

std::string sample_timestamp(UnixSeconds t) {
  std::string iso = format_instant(t);  // 2024-09-18T22:00:00Z → the sample's "2024-09-18 22:00:00"
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

struct Resource {
  int start = 0, end = 0;   // alive on days [start, end)
  std::uint32_t first_line = 0;
  std::uint8_t lines = 1;
  std::uint16_t account_split = 0;  // 0 = the template's own sub-account
  int tags = -1;                    // index into tag sets; -1 = the template's own tags
  int retag_day = -1;               // from this day on, tags = retag_tags
  int retag_tags = -1;
  double weight = 1;                // relative daily cost
  double discount = 0;              // effective = billed * (1 - discount)
  std::uint64_t suffix = 0;
  std::uint32_t primary = 0;        // template row of its first SKU line: its ResourceId
};

struct Line {
  std::uint32_t sample;  // template row
  std::uint32_t resource;
};

struct PlannedRow {
  std::uint32_t line;
  std::uint8_t hour;
  double amount;
  bool credit;
};

}  // namespace

EstateTotals generate_estate(const std::string& sample_path, const std::string& out_path, const EstateOptions& o) {
  ingest::CsvReader csv(ingest::open_file(sample_path), sample_path);
  if (!csv.next()) throw std::runtime_error("empty sample " + sample_path);
  SampleRow header;
  for (const auto& f : csv.fields()) header.push_back({std::string(f.text), f.quoted, false});
  std::vector<SampleRow> samples;
  while (csv.next()) {
    SampleRow row;
    for (const auto& f : csv.fields()) row.push_back({std::string(f.text), f.quoted, !f.quoted && f.text == "NULL"});
    samples.push_back(std::move(row));
  }
  auto col = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i].text == name) return static_cast<int>(i);
    throw std::runtime_error("sample has no column " + std::string(name));
  };
  const int billed_c = col("BilledCost"), effective_c = col("EffectiveCost"), list_c = col("ListCost"),
            contracted_c = col("ContractedCost"), charge_start_c = col("ChargePeriodStart"),
            charge_end_c = col("ChargePeriodEnd"), period_start_c = col("BillingPeriodStart"),
            period_end_c = col("BillingPeriodEnd"), resource_c = col("ResourceId"), id_c = col("Id"),
            provider_c = col("ProviderName"), service_c = col("ServiceName"), sub_c = col("SubAccountId"),
            sub_name_c = col("SubAccountName"), tags_c = col("Tags"), category_c = col("ChargeCategory"),
            quantity_c = col("ConsumedQuantity");

  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(unit(rng) * static_cast<double>(n)) % n; };

  // Templates by provider and service: a resource's SKU lines come from its own service.
  std::map<std::string, std::vector<std::uint32_t>> by_service;
  for (std::size_t i = 0; i < samples.size(); ++i)
    by_service[samples[i][static_cast<std::size_t>(provider_c)].text + "\x1f" + samples[i][static_cast<std::size_t>(service_c)].text]
        .push_back(static_cast<std::uint32_t>(i));

  // Tag sets in the sample's vocabulary: business units (teams), applications, environments.
  std::set<std::string> units, apps;
  for (const auto& s : samples) {
    const auto& t = s[static_cast<std::size_t>(tags_c)];
    if (t.null || t.text.empty()) continue;
    try {
      auto v = boost::json::parse(t.text);
      if (!v.is_object()) continue;
      if (auto* u = v.as_object().if_contains("business_unit"); u && u->is_string()) units.insert(std::string(u->as_string()));
      if (auto* a = v.as_object().if_contains("application"); a && a->is_string()) apps.insert(std::string(a->as_string()));
    } catch (...) {
    }
  }
  if (units.empty()) units.insert("Platform");
  if (apps.empty()) apps.insert("App");
  const std::vector<std::string> unit_list(units.begin(), units.end()), app_list(apps.begin(), apps.end());
  std::vector<std::string> tag_sets;
  for (int i = 0; i < 4000; ++i) {
    boost::json::object t;
    t["application"] = app_list[pick(app_list.size())];
    t["environment"] = unit(rng) < 0.6 ? "prod" : unit(rng) < 0.5 ? "dev" : "staging";
    t["business_unit"] = unit_list[pick(unit_list.size())];
    tag_sets.push_back(boost::json::serialize(t));
  }

  // The estate.
  const int days = std::max(1, o.days);
  std::lognormal_distribution<double> weight_dist(0.0, 1.2), noise_dist(0.0, 0.3);
  const double weight_mean = std::exp(1.2 * 1.2 / 2), noise_mean = std::exp(0.3 * 0.3 / 2);
  std::vector<Resource> resources(static_cast<std::size_t>(std::max(1, o.resources)));
  std::vector<Line> lines;
  for (std::size_t r = 0; r < resources.size(); ++r) {
    auto& res = resources[r];
    if (unit(rng) < 0.4) {  // lives through the whole range
      res.start = 0;
      res.end = days;
    } else {                // ephemeral: starts any time, lives days to weeks
      res.start = static_cast<int>(pick(static_cast<std::size_t>(days)));
      res.end = std::min(days, res.start + 1 + static_cast<int>(std::exponential_distribution<double>(6.0 / days)(rng)));
    }
    const auto primary = static_cast<std::uint32_t>(pick(samples.size()));
    const auto& same =
        by_service[samples[primary][static_cast<std::size_t>(provider_c)].text + "\x1f" + samples[primary][static_cast<std::size_t>(service_c)].text];
    const double u = unit(rng);
    res.lines = static_cast<std::uint8_t>(u < 0.5 ? 1 : u < 0.75 ? 2 : u < 0.9 ? 3 : 4);
    res.primary = primary;
    res.first_line = static_cast<std::uint32_t>(lines.size());
    lines.push_back({primary, static_cast<std::uint32_t>(r)});
    for (int l = 1; l < res.lines; ++l) lines.push_back({same[pick(same.size())], static_cast<std::uint32_t>(r)});
    res.account_split = static_cast<std::uint16_t>(unit(rng) < 0.3 ? 0 : 1 + pick(5));
    if (unit(rng) < 0.7) res.tags = static_cast<int>(pick(tag_sets.size()));
    if (res.tags >= 0 && unit(rng) < 0.05) {
      res.retag_day = res.start + (res.end - res.start) / 2;
      res.retag_tags = static_cast<int>(pick(tag_sets.size()));
    }
    res.weight = weight_dist(rng) / weight_mean;
    const double d = unit(rng);
    res.discount = d < 0.6 ? 0.0 : d < 0.85 ? 0.2 : 0.35;
    res.suffix = rng();
  }

  // Amounts: the rows of the whole range cost yearly_spend * days / 365 in expectation.
  const double mean_row = o.yearly_spend * days / 365.0 / static_cast<double>(std::max<std::int64_t>(1, o.rows));
  const Day first = *parse_day(o.first_day);
  std::optional<Day> month_only;
  if (!o.only_month.empty()) {
    month_only = parse_day(o.only_month + "-01");
    if (!month_only) throw std::runtime_error("--month wants YYYY-MM: " + o.only_month);
  }

  EstateOutput out(out_path, o.gzip);
  std::string chunk;
  chunk.reserve(1 << 22);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) chunk += ',';
    text::append_csv_field(chunk, header[i].text, header[i].quoted);
  }
  chunk += '\n';

  EstateTotals totals;
  std::vector<std::uint32_t> alive;
  std::vector<PlannedRow> planned;
  boost::unordered_flat_set<std::uint32_t> keys_today, seen_resources;
  char number[64];
  std::int64_t row_id = 0;
  for (int day = 0; day < days; ++day) {
    // Rows of this day: the share of the total, with a weekly cycle in what runs.
    const std::int64_t quota = o.rows * (day + 1) / days - o.rows * day / days;
    const Day today = first + std::chrono::days{day};
    const double weekly = weekday(today) == 0 || weekday(today) == 6 ? 0.8 : 1.08;
    alive.clear();
    for (std::size_t r = 0; r < resources.size(); ++r)
      if (resources[r].start <= day && day < resources[r].end) alive.push_back(static_cast<std::uint32_t>(r));
    if (alive.empty()) alive.push_back(static_cast<std::uint32_t>(pick(resources.size())));
    planned.clear();
    keys_today.clear();
    auto amount_for = [&](const Resource& res) { return mean_row * res.weight * weekly * noise_dist(rng) / noise_mean; };
    if (o.shape == EstateShape::high_cardinality) {
      for (std::int64_t i = 0; i < quota; ++i) {
        const auto& res = resources[alive[pick(alive.size())]];
        const auto line = res.first_line + static_cast<std::uint32_t>(pick(res.lines));
        planned.push_back({line, static_cast<std::uint8_t>(pick(24)), amount_for(res), unit(rng) < 0.002});
      }
    } else {
      // 24 hourly rows per (resource, SKU line) billed today.
      std::int64_t pairs = (o.rows * (day + 1) / days) / 24 - (o.rows * day / days) / 24;
      for (std::int64_t i = 0, tries = 0; i < pairs && tries < pairs * 20; ++tries) {
        const auto& res = resources[alive[pick(alive.size())]];
        const auto line = res.first_line + static_cast<std::uint32_t>(pick(res.lines));
        if (!keys_today.insert(line).second) continue;
        ++i;
        const double base = amount_for(res);
        for (int h = 0; h < 24; ++h) planned.push_back({line, static_cast<std::uint8_t>(h), base * (0.9 + 0.2 * unit(rng)), false});
      }
    }
    std::shuffle(planned.begin(), planned.end(), rng);
    if (month_only && first_of_month(today) != *month_only) {
      row_id += static_cast<std::int64_t>(planned.size());
      continue;
    }
    keys_today.clear();
    for (const auto& p : planned) {
      const Line& line = lines[p.line];
      const Resource& res = resources[line.resource];
      const SampleRow& t = samples[line.sample];
      keys_today.insert(p.line);
      seen_resources.insert(line.resource);
      const UnixSeconds start = start_of(today) + p.hour * 3600;
      const Day month = first_of_month(today);
      const double billed = p.credit ? -p.amount * 0.5 : p.amount;
      const double effective = billed * (1 - res.discount);
      const int tags = res.retag_day >= 0 && day >= res.retag_day ? res.retag_tags : res.tags;
      ++row_id;
      for (std::size_t c = 0; c < t.size(); ++c) {
        if (c) chunk += ',';
        const int ci = static_cast<int>(c);
        const SampleField& f = t[c];
        auto money = [&](double v) {
          std::snprintf(number, sizeof number, "%.10f", v);
          text::append_csv_field(chunk, number, f.quoted);
          return std::strtod(number, nullptr);
        };
        if (ci == billed_c) totals.billed += money(billed);
        else if (ci == effective_c) totals.effective += money(effective);
        else if (ci == list_c) money(billed * 1.15);
        else if (ci == contracted_c && !f.null) money(billed);
        else if (ci == quantity_c && !f.null) money(std::max(0.0, std::strtod(f.text.c_str(), nullptr)) * p.amount / mean_row);
        else if (ci == category_c && p.credit) text::append_csv_field(chunk, "Credit", f.quoted);
        else if (f.null && ci != tags_c && ci != resource_c) chunk += f.text;
        else if (ci == charge_start_c) text::append_csv_field(chunk, sample_timestamp(start), f.quoted);
        else if (ci == charge_end_c) text::append_csv_field(chunk, sample_timestamp(start + 3600), f.quoted);
        else if (ci == period_start_c) text::append_csv_field(chunk, sample_timestamp(start_of(month)), f.quoted);
        else if (ci == period_end_c) text::append_csv_field(chunk, sample_timestamp(start_of(first_of_next_month(month))), f.quoted);
        else if (ci == resource_c) {
          // Every SKU line of a resource bills the same ResourceId (its first line's template's).
          const SampleField& id = samples[res.primary][c];
          std::snprintf(number, sizeof number, "-%012llx", static_cast<unsigned long long>(res.suffix & 0xffffffffffffull));
          if (id.null) chunk += id.text;
          else text::append_csv_field(chunk, id.text + number, id.quoted);
        } else if (ci == sub_c && res.account_split) {
          text::append_csv_field(chunk, f.text + "-" + std::to_string(res.account_split), f.quoted);
        } else if (ci == sub_name_c && res.account_split) {
          text::append_csv_field(chunk, f.text + " " + std::to_string(res.account_split), f.quoted);
        } else if (ci == id_c) {
          text::append_csv_field(chunk, std::to_string(row_id), f.quoted);
        } else if (ci == tags_c) {
          if (tags >= 0) text::append_csv_field(chunk, tag_sets[static_cast<std::size_t>(tags)], true);
          else if (f.null) chunk += f.text;
          else text::append_csv_field(chunk, f.text, f.quoted);
        } else {
          text::append_csv_field(chunk, f.text, f.quoted);
        }
      }
      chunk += '\n';
      ++totals.rows;
      if (chunk.size() > (1u << 22) - 16384) {
        out.write(chunk);
        chunk.clear();
      }
    }
    totals.resource_day_sku_keys += static_cast<std::int64_t>(keys_today.size());
  }
  out.write(chunk);
  out.close();
  totals.bytes = out.bytes();
  totals.resources_seen = static_cast<std::int64_t>(seen_resources.size());
  return totals;
}

}  // namespace costbot::testing
