#include <fmt/format.h>

#include <algorithm>

#include "engine/detect/rule_support.hpp"
#include "engine/util/strings.hpp"

namespace costbot::detect {
namespace {

const std::vector<std::string> kWeekdays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

}  // namespace

// Non-production resources that keep running nights and weekends: a stop/start schedule saves the
// share of their cost spent outside business hours.
RuleKind off_hours_nonprod_kind() {
  RuleKind k;
  k.name = std::string(kOffHoursNonprod);
  k.summary = "non-production resources running in more than min_off_hours_fraction of the hours outside business hours";
  k.signals = "usage metric (hourly samples) from the usage CSV; a daily bill has no hours of the day";
  k.thresholds = {{"business_start_hour", 8, 0, 23, "business hours start (local hour)"},
                  {"business_end_hour", 19, 1, 24, "business hours end (local hour, exclusive)"},
                  {"utc_offset_hours", 0, -12, 14, "local time = UTC + this"},
                  {"days", 7, 1, 60, "days of hourly measurements examined"},
                  {"min_off_hours_fraction", 0.5, 0, 1, "share of off-hours samples showing it running"},
                  {"running_min_value", 1, 0, 1e9, "a sample at or above this means running"}};
  k.options = {{"environments", {"dev", "development", "test", "qa", "staging", "sandbox"}, {}, "environments that are not production"},
               {"business_days", {"mon", "tue", "wed", "thu", "fri"}, kWeekdays, "days with business hours"},
               {"metric", {"cpu_utilization"}, {}, "usage_metrics metric sampled at least hourly"}};
  k.default_remediation =
      "Put {name} ({resource}, {environment}) on a schedule that stops it outside {business_hours}: it ran in "
      "{off_hours_share} of off-hours over the last {days} days.";
  k.retune_threshold = "min_off_hours_fraction";
  k.lower_is_stricter = false;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const int start_hour = static_cast<int>(threshold(ctx, "business_start_hour"));
    const int end_hour = static_cast<int>(threshold(ctx, "business_end_hour"));
    const auto offset = static_cast<UnixSeconds>(threshold(ctx, "utc_offset_hours") * 3600);
    const int days = static_cast<int>(threshold(ctx, "days"));
    const double running_min = threshold(ctx, "running_min_value");
    std::vector<bool> business_day(7, false);
    auto bd = rule.options.find("business_days");
    for (const auto& d : bd != rule.options.end() ? bd->second : std::vector<std::string>{})
      for (std::size_t i = 0; i < kWeekdays.size(); ++i)
        if (kWeekdays[i] == d) business_day[i] = true;
    auto env_it = rule.options.find("environments");
    std::vector<std::string> environments;
    for (const auto& e : env_it != rule.options.end() ? env_it->second : std::vector<std::string>{}) environments.push_back(text::to_lower(e));

    SQLite::Statement q(ctx.db.sql(), "SELECT ts, value FROM usage_metrics WHERE resource_id = ? AND metric = ? AND ts >= ? AND ts < ?");
    const UnixSeconds end = start_of(ctx.as_of) + 86400;
    auto cost = average_daily_cost(ctx.db, ctx.as_of, 7);
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      if (std::find(environments.begin(), environments.end(), text::to_lower(r.environment)) == environments.end()) continue;
      q.reset();
      q.bind(1, r.id);
      q.bind(2, option(rule, "metric", "cpu_utilization"));
      q.bind(3, static_cast<std::int64_t>(end - static_cast<UnixSeconds>(days) * 86400));
      q.bind(4, static_cast<std::int64_t>(end));
      int off = 0, off_running = 0, running = 0;
      while (q.executeStep()) {
        UnixSeconds local = q.getColumn(0).getInt64() + offset;
        int hour = static_cast<int>((local % 86400 + 86400) % 86400 / 3600);
        unsigned wd = weekday(day_of(local));
        bool business = business_day[wd] && hour >= start_hour && hour < end_hour;
        bool is_running = q.getColumn(1).getDouble() >= running_min;
        running += is_running;
        if (!business) {
          ++off;
          off_running += is_running;
        }
      }
      if (off == 0 || running == 0) continue;
      double share = static_cast<double>(off_running) / off;
      if (share < threshold(ctx, "min_off_hours_fraction")) continue;
      // Stopping it off-hours saves the off-hours share of what it costs while running.
      double impact = (cost.count(r.id) ? cost[r.id] : 0) * static_cast<double>(off_running) / running;
      if (impact <= 0) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Non-production running off-hours: {name} ({impact_per_day}/day)",
                                "{name} ({environment}) ran in {off_hours_share} of the hours outside {business_hours} over "
                                "the last {days} days; a schedule would save about {impact_per_day} a day "
                                "({impact_per_month} a month).",
                                {{"off_hours_share", fmt::format("{:.0f}%", share * 100)},
                                 {"business_hours", fmt::format("{:02d}:00-{:02d}:00 on business days (UTC{:+g})", start_hour,
                                                                end_hour, threshold(ctx, "utc_offset_hours"))}});
      f.actual = share;
      f.upper = threshold(ctx, "min_off_hours_fraction");
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
