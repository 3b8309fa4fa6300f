#include "bot/charts/chart_route.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <list>
#include <mutex>
#include <unordered_map>

#include "bot/api/auth.hpp"
#include "bot/auth/web_auth.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "engine/auth/link_signing.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/detect/chart_series.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/query/costs.hpp"
#include "engine/render/chart.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::charts {
namespace {

using server::Request;
using server::Respond;
using server::Response;

constexpr std::size_t kCacheEntries = 128;  // ~30-60 KB each at 800x400

// What a chart depends on: the finding (its row changes when detection updates it) and the cost
// data (each ingest run and detection run may change the series and the baseline).
std::string version_of(storage::Database& db, const detect::Finding& f) {
  auto runs = db.sql().execAndGet(
      "SELECT (SELECT COALESCE(MAX(id), 0) FROM ingest_runs) || '.' || (SELECT COALESCE(MAX(id), 0) FROM detection_runs)");
  return "F" + std::to_string(f.id) + "-" + std::to_string(f.updated_at) + "-" + runs.getString();
}

class PngCache {
 public:
  std::optional<std::string> get(std::int64_t id, const std::string& version) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.version != version) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second.position);
    return it->second.png;
  }

  void put(std::int64_t id, std::string version, std::string png) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) {
      order_.erase(it->second.position);
      entries_.erase(it);
    }
    order_.push_front(id);
    entries_[id] = {std::move(version), std::move(png), order_.begin()};
    while (entries_.size() > kCacheEntries) {
      entries_.erase(order_.back());
      order_.pop_back();
    }
  }

 private:
  struct Entry {
    std::string version, png;
    std::list<std::int64_t>::iterator position;
  };
  std::mutex mutex_;
  std::list<std::int64_t> order_;  // most recently used first
  std::unordered_map<std::int64_t, Entry> entries_;
};

// "December 2026".
std::string chart_month_name(Day d) {
  static const char* months[] = {"January", "February", "March",     "April",   "May",      "June",
                                 "July",    "August",   "September", "October", "November", "December"};
  std::chrono::year_month_day ymd{d};
  return fmt::format("{} {}", months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()));
}

std::int64_t finding_id_of(const std::string& text) {
  std::string_view id = text;
  if (!id.empty() && (id.front() == 'F' || id.front() == 'f')) id.remove_prefix(1);
  auto n = text::parse_int(id);
  if (!n || *n <= 0) throw not_found("no chart \"" + text + ".png\": expected a finding id such as 12 or F12");
  return *n;
}

// A budget finding: the month's spend adding up against the budget line, then the forecast to the
// month's end with its 90% interval (days to come are never drawn as $0). The figures are those of
// `costbot budgets` at this moment (detect::budget_for_finding), so the chart matches the message.
std::optional<render::ChartData> budget_chart(storage::Database& db, const config::Config& config, const detect::Finding& f) {
  if (f.kind != detect::kBudgetActual && f.kind != detect::kBudgetForecast) return std::nullopt;
  auto status = detect::budget_for_finding(db, config, f);
  if (!status) return std::nullopt;
  const auto& s = *status;
  const std::string& currency = config.currency.base;
  query::CostQuery q(db);
  auto daily = q.daily_total({s.month_start, s.as_of + std::chrono::days{1}, ""}, detect::budget_filters(config, s));
  render::ChartData data;
  data.title = s.name + ": " + chart_month_name(s.as_of) + " budget";
  const bool month_over = s.days_elapsed >= s.days_in_month;
  data.subtitle = month_over ? fmt::format("Spent {} of {} ({})", fmtx::money(s.month_to_date, 0, currency),
                                           fmtx::money(s.budget, 0, currency), fmtx::percent(s.used))
                             : fmt::format("Spent {} by {}; forecast {} ({} of budget)", fmtx::money_short(s.month_to_date, currency),
                                           fmtx::day_short(s.as_of), fmtx::money_short(s.forecast, currency),
                                           fmtx::percent(s.forecast_used));
  data.currency = currency;
  data.actual_label = "Spent this month";
  data.expected_label = "Forecast";
  data.band_label = "90% interval";
  data.reference = s.budget;
  data.reference_label = "Budget " + fmtx::money_short(s.budget, currency);
  double total = 0;
  for (std::size_t i = 0; i < daily.size(); ++i) {
    total += daily[i];
    render::ChartPoint p;
    p.day = s.month_start + std::chrono::days{static_cast<int>(i)};
    p.actual = total;
    data.points.push_back(p);
  }
  if (!data.points.empty()) {  // the forecast starts from the last actual day
    data.points.back().expected = data.points.back().lower = data.points.back().upper = total;
  }
  const int remaining = s.days_in_month - s.days_elapsed;
  for (int k = 1; k <= remaining; ++k) {
    const double t = static_cast<double>(k) / remaining;
    render::ChartPoint p;
    p.day = s.as_of + std::chrono::days{k};
    p.projected = true;
    p.expected = total + t * (s.forecast - total);
    p.lower = total + t * (s.forecast_lower - total);
    p.upper = total + t * (s.forecast_upper - total);
    data.points.push_back(p);
  }
  return data;
}

detect::ChartSeries series_for(storage::Database& db, const config::Config& config, const detect::Finding& f) {
  if (detect::is_cost_anomaly(f.kind)) return detect::finding_chart_series(db, config, f.id);
  // Waste and budget findings: the daily cost of their scope, up to the day they were found.
  std::string dimension = f.scope_dimension, value = f.scope_value;
  if (dimension == "budget") {  // a scope budget (detection.budgets): draw the scope it covers
    for (const auto& b : config.detection.budgets)
      if (b.name == value && b.scope.size() == 1) dimension = b.scope.begin()->first, value = b.scope.begin()->second;
  }
  if (!query::parse_dimension(dimension)) {
    if (!f.team.empty()) dimension = "team", value = f.team;
    else throw not_found("finding F" + std::to_string(f.id) + " (" + f.kind + ") has no cost series to draw");
  }
  auto s = detect::scope_chart_series(db, config, dimension, value, f.window_end.value_or(f.day));
  s.finding_id = f.id;
  s.title = f.title;
  if (f.window_start) s.highlight_from = f.window_start, s.highlight_to = f.window_end.value_or(f.day);
  return s;
}

std::string draw(const config::Config& config, const detect::ChartSeries& s) {
  render::ChartData data;
  data.title = s.title;
  data.subtitle = "Daily cost, " + std::to_string(s.days.size()) + " days";
  data.currency = config.currency.base;
  for (std::size_t i = 0; i < s.days.size(); ++i) {
    render::ChartPoint p;
    p.day = s.days[i];
    p.actual = s.actual[i];
    p.expected = s.expected[i];
    p.lower = s.lower[i];
    p.upper = s.upper[i];
    p.anomaly = s.anomalous[i];
    data.points.push_back(p);
  }
  return render::render_cost_chart(data, render::ChartOptions::from_config(config.charts));
}

Response png_response(const std::string& png, const std::string& etag) {
  Response r;
  r.content_type = "image/png";
  r.body = png;
  r.with_header("ETag", etag);
  r.with_header("Cache-Control", "public, max-age=300");
  return r;
}

Response chart(service::Service& svc, PngCache& cache, const Request& req) {
  const std::int64_t id = finding_id_of(req.param("id"));
  auto& db = svc.db();
  auto finding = detect::FindingStore(db).finding(id);
  if (!finding) throw not_found("no finding F" + std::to_string(id) + ": nothing to draw");
  const std::string version = version_of(db, *finding);
  const std::string etag = "\"" + version + "\"";
  if (auto match = req.header("if-none-match"); match && *match == etag) {
    auto r = Response::empty(304);
    r.content_type.clear();
    r.with_header("ETag", etag);
    return r;
  }
  if (auto png = cache.get(id, version)) return png_response(*png, etag);
  auto budget = budget_chart(db, svc.config(), *finding);
  auto png = budget ? render::render_cost_chart(*budget, render::ChartOptions::from_config(svc.config().charts))
                    : draw(svc.config(), series_for(db, svc.config(), *finding));
  cache.put(id, version, png);
  return png_response(png, etag);
}

}  // namespace

// Charts show a finding's team and spend, and ids are sequential: only a signed-in viewer (the web
// channel's session) or an API token may fetch one. A browser without a session is sent to sign in
// and comes back here.
namespace {
std::optional<Response> refuse_unless_viewer(service::Service& svc, const webauth::WebAuth& auth, const Request& req) {
  // A signed link (alerts' image URLs, for Slack's and Teams' servers) opens this one chart until
  // it expires, with no session; a bad one is refused outright, never tried as something else.
  auto expires = req.query_param("expires");
  auto signature = req.query_param("signature");
  if (expires || signature) {
    const std::string path = "/charts/" + std::to_string(finding_id_of(req.param("id"))) + ".png";
    if (auto why = auth::signed_link_refusal(svc.db(), path, expires, signature, svc.clock().now()))
      throw Error(ErrorKind::forbidden, "chart link refused: " + *why);
    return std::nullopt;
  }
  if (req.header("authorization")) {
    const auto& token = api::authenticate(svc.config().api, req.header("authorization"));
    svc.authorizer().require(api::principal_of(token), auth::Action::view);
    return std::nullopt;
  }
  if (svc.config().web.access == "off")
    throw Error(ErrorKind::unauthorized, "charts need an API token (Authorization: Bearer) while web.access is off");
  auth.check_transport(req);
  if (auto session = auth.session(req, svc.db(), svc.clock().now())) {
    svc.authorizer().require(auth.principal(*session), auth::Action::view);
    return std::nullopt;
  }
  if (auto accept = req.header("accept"); accept && accept->find("text/html") != std::string_view::npos) {
    auto r = Response::empty(303);
    r.with_header("Location", "/?next=" + req.path);
    return r;
  }
  throw Error(ErrorKind::unauthorized, "sign in to see charts (open this service's page), or send an API token");
}
}  // namespace

void install(service::Service& svc) {
  auto cache = std::make_shared<PngCache>();
  auto auth = std::make_shared<const webauth::WebAuth>(svc.config());
  svc.router().add_async("GET", "/charts/{id}.png", [&svc, cache, auth](Request&& req, Respond respond) {
    boost::asio::post(svc.work_pool(), [&svc, cache, auth, req = std::move(req), respond = std::move(respond)] {
      log::ScopedRequestId scope(req.id);
      try {
        if (auto refused = refuse_unless_viewer(svc, *auth, req)) return respond(std::move(*refused));
        respond(chart(svc, *cache, req));
      } catch (...) {
        respond(server::error_response_for(std::current_exception(), req));
      }
    });
  });
}

}  // namespace costbot::charts
