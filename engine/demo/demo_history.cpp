#include "engine/demo/demo_history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "engine/demo/world.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::demo {
namespace {

struct Field {
  std::string text;
  bool quoted = false;
  bool null = false;
};
using Row = std::vector<Field>;

// The sample's rows as templates: every written row starts as a copy of one of them, so columns,
// quoting and the provider-specific fields (SKUs, pricing units, descriptions) stay real.
class SampleTemplates {
 public:
  explicit SampleTemplates(const std::string& path) {
    if (!std::filesystem::exists(path))
      throw invalid_input("the FOCUS sample " + path + " does not exist (it ships in tests/fixtures/focus/)");
    ingest::CsvReader csv(ingest::open_file(path), path);
    if (!csv.next()) throw invalid_input("the FOCUS sample " + path + " is empty");
    for (const auto& f : csv.fields()) header_.push_back({std::string(f.text), f.quoted, false});
    quoted_.assign(header_.size(), true);
    std::vector<bool> seen(header_.size(), false);
    while (csv.next()) {
      if (csv.size() != header_.size()) continue;
      Row row;
      for (std::size_t i = 0; i < csv.size(); ++i) {
        const auto& f = csv[i];
        bool null = !f.quoted && f.text == "NULL";
        row.push_back({std::string(f.text), f.quoted, null});
        // How the sample writes each column when it has a value (strings quoted, numbers not).
        if (!null && !f.text.empty() && !seen[i]) {
          seen[i] = true;
          quoted_[i] = f.quoted;
        }
      }
      rows_.push_back(std::move(row));
    }
    for (const char* name : {"BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ChargePeriodStart",
                             "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "BillingAccountId",
                             "BillingAccountName", "SubAccountId", "SubAccountName", "ResourceId", "ResourceName",
                             "ResourceType", "Tags", "Id", "ProviderName", "ServiceName", "ChargeCategory",
                             "ChargeDescription", "ChargeFrequency", "RegionId", "RegionName", "ConsumedQuantity",
                             "PricingQuantity", "PricingCategory", "CommitmentDiscountId", "CommitmentDiscountName",
                             "CommitmentDiscountType", "CommitmentDiscountCategory", "CommitmentDiscountStatus"})
      if (column(name) < 0) throw invalid_input("the FOCUS sample " + path + " has no column " + name);
  }

  int column(std::string_view name) const {
    for (std::size_t i = 0; i < header_.size(); ++i)
      if (header_[i].text == name) return static_cast<int>(i);
    return -1;
  }
  const Row& header() const { return header_; }
  bool quoted(int column) const { return quoted_[static_cast<std::size_t>(column)]; }

  // A usage row of the archetype's provider and service, preferring its resource type; `pick`
  // chooses among the candidates.
  const Row& pick(const Archetype& a, std::uint64_t pick) const {
    const int provider = column("ProviderName"), service = column("ServiceName"), type = column("ResourceType"),
              category = column("ChargeCategory"), billed = column("BilledCost");
    auto collect = [&](bool typed, bool priced) {
      std::vector<const Row*> found;
      for (const auto& r : rows_) {
        auto at = [&](int c) -> const Field& { return r[static_cast<std::size_t>(c)]; };
        if (at(provider).text != a.provider || at(service).text != a.service || at(category).text != "Usage") continue;
        if (typed && at(type).text != a.sample_type) continue;
        if (priced && std::strtod(at(billed).text.c_str(), nullptr) <= 0) continue;  // quantities scale with it
        found.push_back(&r);
      }
      return found;
    };
    std::vector<const Row*> found;
    for (bool typed : {true, false})
      for (bool priced : {true, false})
        if (found.empty() && (!typed || !a.sample_type.empty())) found = collect(typed, priced);
    if (found.empty())
      throw invalid_input("the FOCUS sample has no usage row for " + a.provider + " / " + a.service +
                          " to model a demo resource on");
    return *found[pick % found.size()];
  }

 private:
  Row header_;
  std::vector<Row> rows_;
  std::vector<bool> quoted_;
};

std::string focus_time(Day d) { return format_day(d) + " 00:00:00"; }

std::string number(double value, int decimals) { return fmt::format("{:.{}f}", value, decimals); }

class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw invalid_input("cannot write " + path);
  }
  ~OutputFile() {
    if (file_) std::fclose(file_);
  }
  void write(const std::string& data) {
    if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) throw invalid_input("cannot write " + path_);
  }
  void close() {
    bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok) throw invalid_input("cannot write " + path_);
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

struct Columns {
  int billed, effective, list, contracted, charge_start, charge_end, period_start, period_end, billing_id, billing_name,
      sub_id, sub_name, resource_id, resource_name, resource_type, tags, id, charge_category, charge_description,
      charge_frequency, region_id, region_name, consumed, pricing_quantity, pricing_category, cd_id, cd_name, cd_type,
      cd_category, cd_status;
  explicit Columns(const SampleTemplates& t)
      : billed(t.column("BilledCost")),
        effective(t.column("EffectiveCost")),
        list(t.column("ListCost")),
        contracted(t.column("ContractedCost")),
        charge_start(t.column("ChargePeriodStart")),
        charge_end(t.column("ChargePeriodEnd")),
        period_start(t.column("BillingPeriodStart")),
        period_end(t.column("BillingPeriodEnd")),
        billing_id(t.column("BillingAccountId")),
        billing_name(t.column("BillingAccountName")),
        sub_id(t.column("SubAccountId")),
        sub_name(t.column("SubAccountName")),
        resource_id(t.column("ResourceId")),
        resource_name(t.column("ResourceName")),
        resource_type(t.column("ResourceType")),
        tags(t.column("Tags")),
        id(t.column("Id")),
        charge_category(t.column("ChargeCategory")),
        charge_description(t.column("ChargeDescription")),
        charge_frequency(t.column("ChargeFrequency")),
        region_id(t.column("RegionId")),
        region_name(t.column("RegionName")),
        consumed(t.column("ConsumedQuantity")),
        pricing_quantity(t.column("PricingQuantity")),
        pricing_category(t.column("PricingCategory")),
        cd_id(t.column("CommitmentDiscountId")),
        cd_name(t.column("CommitmentDiscountName")),
        cd_type(t.column("CommitmentDiscountType")),
        cd_category(t.column("CommitmentDiscountCategory")),
        cd_status(t.column("CommitmentDiscountStatus")) {}
};

// Writes every resource's daily charge, day by day as providers export them.
void write_focus(const World& world, const SampleTemplates& templates, const std::string& path, DemoHistory& out) {
  const Columns c(templates);
  std::vector<const Row*> chosen;
  for (const auto& r : world.resources) chosen.push_back(&templates.pick(archetype(r.archetype), hash_text(r.id)));

  OutputFile file(path);
  std::string chunk;
  chunk.reserve(1 << 20);
  const auto& header = templates.header();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) chunk += ',';
    text::append_csv_field(chunk, header[i].text, header[i].quoted);
  }
  chunk += '\n';

  std::vector<std::string> values(header.size());
  std::vector<char> set(header.size());
  std::int64_t row_id = 7000000;
  for (Day d = world.first_day; d <= world.last_day; d += std::chrono::days{1}) {
    const Day month = first_of_month(d);
    for (std::size_t k = 0; k < world.resources.size(); ++k) {
      const Resource& r = world.resources[k];
      const Row& t = *chosen[k];
      const double cost = world.daily_cost(r, d);
      std::fill(set.begin(), set.end(), 0);
      auto put = [&](int column, std::string value) {
        values[static_cast<std::size_t>(column)] = std::move(value);
        set[static_cast<std::size_t>(column)] = 1;
      };
      const std::string amount = number(cost, 10);
      put(c.billed, amount);
      put(c.effective, amount);
      put(c.list, number(cost * (r.commitment_id.empty() ? 1.0 : 1.35), 10));
      if (!t[static_cast<std::size_t>(c.contracted)].null) put(c.contracted, amount);
      put(c.charge_start, focus_time(d));
      put(c.charge_end, focus_time(d + std::chrono::days{1}));
      put(c.period_start, focus_time(month));
      put(c.period_end, focus_time(first_of_next_month(month)));
      put(c.billing_id, r.account->billing_account_id);
      if (!r.account->billing_account_name.empty()) put(c.billing_name, r.account->billing_account_name);
      put(c.sub_id, r.account->sub_account_id);
      put(c.sub_name, r.account->sub_account_name);
      put(c.region_id, r.region_id);
      put(c.region_name, r.region_name);
      put(c.resource_id, r.id);
      put(c.resource_name, r.name);
      put(c.resource_type, archetype(r.archetype).resource_type);
      put(c.id, std::to_string(++row_id));
      if (!r.charge_description.empty()) put(c.charge_description, r.charge_description);
      // Quantities keep the template's unit and scale with the amount.
      const double template_cost = std::strtod(t[static_cast<std::size_t>(c.billed)].text.c_str(), nullptr);
      for (int q : {c.consumed, c.pricing_quantity}) {
        const Field& f = t[static_cast<std::size_t>(q)];
        if (f.null || template_cost <= 0) continue;
        put(q, number(std::strtod(f.text.c_str(), nullptr) * cost / template_cost, 6));
      }
      if (!r.commitment_id.empty()) {
        const bool reservation = r.archetype == "reservation";
        put(c.charge_category, "Purchase");
        put(c.charge_frequency, "Recurring");
        put(c.pricing_category, "Committed");
        put(c.cd_id, r.commitment_id);
        put(c.cd_name, r.name);
        put(c.cd_type, reservation ? "Reservation" : "Savings Plan");
        put(c.cd_category, reservation ? "Usage" : "Spend");
        put(c.cd_status, reservation ? "Unused" : "Used");
      }
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (i) chunk += ',';
        if (set[i]) {
          text::append_csv_field(chunk, values[i], templates.quoted(static_cast<int>(i)));
        } else if (static_cast<int>(i) == c.tags) {
          if (r.tags_json.empty()) chunk += "NULL";
          else text::append_csv_field(chunk, r.tags_json, templates.quoted(c.tags));
        } else {
          text::append_csv_field(chunk, t[i].text, t[i].quoted);
        }
      }
      chunk += '\n';
      ++out.focus_rows;
      const double written = std::strtod(amount.c_str(), nullptr);
      out.cost_by_team[r.team] += written;
      out.cost_by_provider[r.account->provider] += written;
      if (chunk.size() > (1u << 20) - 16384) {
        file.write(chunk);
        chunk.clear();
      }
    }
  }
  file.write(chunk);
  file.close();
}

// Usage samples for the waste rules, in the shape `costbot ingest --source usage` reads.
void write_usage(const World& world, const DemoOptions& options, const std::string& path, DemoHistory& out) {
  OutputFile file(path);
  std::string text = "timestamp,resource_id,metric,value\n";
  const int total_days = static_cast<int>((world.last_day - world.first_day).count()) + 1;
  const int daily_window = std::min(35, total_days), hourly_window = std::min(14, total_days);
  auto sample = [&](UnixSeconds ts, const std::string& resource, const std::string& metric, double value) {
    text += format_instant(ts);
    text += ',';
    text += resource;
    text += ',';
    text += metric;
    text += ',';
    text += number(value, 2);
    text += '\n';
    ++out.usage_rows;
  };
  for (const auto& r : world.resources) {
    if (r.metrics == MetricPlan::none) continue;
    const std::uint64_t key = hash_text(r.id) ^ 0x6d65747269637321ULL;
    const double level = 45 + 35 * hashed_uniform(world.seed, key, 0);  // this resource's usual CPU %
    const bool hourly = r.metrics == MetricPlan::cpu_always_on || r.metrics == MetricPlan::cpu_business_hours;
    const int window = hourly ? hourly_window : daily_window;
    for (int back = window - 1; back >= 0; --back) {
      const Day d = world.last_day - std::chrono::days{back};
      const UnixSeconds day_start = start_of(d);
      const auto day_number = d.time_since_epoch().count();
      auto u = [&](int slot) { return hashed_uniform(world.seed, key + static_cast<std::uint64_t>(slot), day_number); };
      switch (r.metrics) {
        case MetricPlan::cpu_healthy:
          for (int h = 0; h < 24; h += 6) sample(day_start + h * 3600, r.id, options.cpu_metric, std::clamp(level - 8 + 16 * u(h), 0.0, 100.0));
          break;
        case MetricPlan::cpu_idle:
          for (int h = 0; h < 24; h += 6) sample(day_start + h * 3600, r.id, options.cpu_metric, 0.3 + 1.5 * u(h));
          break;
        case MetricPlan::cpu_oversized:
          for (int h = 0; h < 24; h += 6) sample(day_start + h * 3600, r.id, options.cpu_metric, 8 + 7 * u(h));
          break;
        case MetricPlan::cpu_always_on:
          for (int h = 0; h < 24; ++h) sample(day_start + h * 3600, r.id, options.cpu_metric, 45 + 20 * u(h));
          break;
        case MetricPlan::cpu_business_hours: {
          const unsigned wd = weekday(d);
          const bool workday = wd >= 1 && wd <= 5;
          for (int h = 0; h < 24; ++h)
            sample(day_start + h * 3600, r.id, options.cpu_metric,
                   workday && h >= 8 && h < 19 ? 50 + 20 * u(h) : 0.4 * u(h));
          break;
        }
        case MetricPlan::attached: sample(day_start + 12 * 3600, r.id, options.attached_metric, 1); break;
        case MetricPlan::detached_recently:
          sample(day_start + 12 * 3600, r.id, options.attached_metric, back >= 20 ? 1 : 0);
          break;
        case MetricPlan::commitment_low:
          for (int h = 0; h < 24; h += 6) sample(day_start + h * 3600, r.id, options.commitment_metric, 2 + 4 * u(h));
          break;
        case MetricPlan::commitment_high:
          for (int h = 0; h < 24; h += 6) sample(day_start + h * 3600, r.id, options.commitment_metric, 93 + 6 * u(h));
          break;
        case MetricPlan::none: break;
      }
    }
    if (text.size() > (1u << 20)) {
      file.write(text);
      text.clear();
    }
  }
  file.write(text);
  file.close();
}

std::string money(double amount) { return fmtx::money(amount, amount < 100 ? 2 : 0); }

std::vector<Story> describe_stories(const World& world) {
  std::vector<Story> stories;
  const Day last = world.last_day;
  auto avg = [&](const Resource& r, Day to, int days) {
    double sum = 0;
    for (int i = 0; i < days; ++i) sum += world.daily_cost(r, to - std::chrono::days{i});
    return sum / days;
  };
  for (const auto& r : world.resources) {
    if (r.story.empty()) continue;
    Story s;
    s.kind = r.story;
    s.team = r.team;
    s.resource_id = r.id;
    s.resource_name = r.name;
    s.daily_now = world.daily_cost(r, last);
    if (r.spike_from) {
      s.starts = *r.spike_from;
      s.daily_before = avg(r, *r.spike_from - std::chrono::days{1}, 14);
      s.summary = fmt::format("{}: runaway GPU autoscaling, {}/day since {} (normally {}/day)", r.name, money(s.daily_now),
                              fmtx::day_short(s.starts), money(s.daily_before));
    } else if (r.shift_from) {
      s.starts = *r.shift_from;
      s.daily_before = avg(r, *r.shift_from - std::chrono::days{1}, 14);
      s.summary = fmt::format("{}: moved to a bigger tier on {}, {}/day -> {}/day since", r.name, fmtx::day_short(s.starts),
                              money(s.daily_before), money(avg(r, last, 7)));
    } else {
      s.starts = world.first_day;
      s.daily_before = world.daily_cost(r, world.first_day);
      const std::string& kind = r.story;
      if (kind == "slow_growth")
        s.summary = fmt::format("{}: grows ~1.6% a day, {}/day -> {}/day over the history", r.name, money(s.daily_before),
                                money(s.daily_now));
      else if (kind == "idle_compute")
        s.summary = fmt::format("{}: CPU under 2% for the last 35 days, {}/day", r.name, money(s.daily_now));
      else if (kind == "unattached_storage") {
        s.starts = last - std::chrono::days{19};
        s.summary = fmt::format("{}: not attached since {}, {}/day", r.name, fmtx::day_short(s.starts), money(s.daily_now));
      } else if (kind == "oversized_instance")
        s.summary = fmt::format("{}: r5.8xlarge averaging ~11% CPU, {}/day", r.name, money(s.daily_now));
      else if (kind == "unused_commitment")
        s.summary = fmt::format("{}: reservation ~4% utilized, {}/day", r.name, money(s.daily_now));
      else if (kind == "off_hours_nonprod") {
        s.starts = last - std::chrono::days{13};
        s.summary = fmt::format("{}: staging runs 24/7 (busy at night and weekends too), {}/day", r.name, money(s.daily_now));
      } else
        s.summary = r.name;
    }
    stories.push_back(std::move(s));
  }

  // Team-level stories.
  Story untagged;
  untagged.kind = "untagged_spend";
  untagged.starts = world.first_day;
  int count = 0;
  std::string account;
  for (const auto& r : world.resources) {
    if (!r.tags_json.empty() || !r.team.empty()) continue;
    ++count;
    untagged.daily_before += world.daily_cost(r, world.first_day);
    untagged.daily_now += avg(r, last, 7);
    account = r.account->sub_account_name + " (" + r.account->sub_account_id + ")";
  }
  untagged.summary = fmt::format("{} resources without a team tag in account {}: {}/day unallocated", count, account,
                                 money(untagged.daily_now));
  stories.push_back(std::move(untagged));

  Story budget;
  budget.kind = "budget_pressure";
  budget.team = "data-platform";
  const Day month = first_of_month(last);
  budget.starts = month;
  double month_to_date = 0, week = 0;
  for (const auto& r : world.resources) {
    if (r.team != budget.team) continue;
    for (Day d = std::max(month, world.first_day); d <= last; d += std::chrono::days{1}) month_to_date += world.daily_cost(r, d);
    week += avg(r, last, 7);
  }
  const int remaining = static_cast<int>((first_of_next_month(last) - last).count()) - 1;
  budget.daily_now = week;
  budget.month_to_date = month_to_date;
  budget.month_forecast = month_to_date + week * remaining;
  budget.summary = fmt::format("data-platform: {} spent this month so far, on pace for {} (level shift + growth)",
                               money(month_to_date), money(budget.month_forecast));
  stories.push_back(std::move(budget));
  return stories;
}

}  // namespace

DemoHistory generate_demo_history(const DemoOptions& options) {
  if (options.days < 30 || options.days > 400)
    throw invalid_input("--days must be 30..400 (the detectors need a few weeks of history), got " + std::to_string(options.days));
  SampleTemplates templates(options.sample_path);
  const Day first = options.last_day - std::chrono::days{options.days - 1};
  World world = build_world(options.seed, first, options.last_day);

  DemoHistory out;
  out.first_day = first;
  out.last_day = options.last_day;
  out.resources = static_cast<int>(world.resources.size());
  write_focus(world, templates, options.focus_path, out);
  write_usage(world, options, options.usage_path, out);
  out.stories = describe_stories(world);
  return out;
}

}  // namespace costbot::demo
