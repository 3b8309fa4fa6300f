#include "bot/charts/chart_route.hpp"

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
#include "engine/detect/chart_series.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/query/costs.hpp"
#include "engine/render/chart.hpp"
#include "engine/util/error.hpp"
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

std::int64_t finding_id_of(const std::string& text) {
  std::string_view id = text;
  if (!id.empty() && (id.front() == 'F' || id.front() == 'f')) id.remove_prefix(1);
  auto n = text::parse_int(id);
  if (!n || *n <= 0) throw not_found("no chart \"" + text + ".png\": expected a finding id such as 12 or F12");
  return *n;
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
  auto png = draw(svc.config(), series_for(db, svc.config(), *finding));
  cache.put(id, version, png);
  return png_response(png, etag);
}

}  // namespace

// Charts show a finding's team and spend, and ids are sequential: only a signed-in viewer (the web
// channel's session) or an API token may fetch one. A browser without a session is sent to sign in
// and comes back here.
namespace {
std::optional<Response> refuse_unless_viewer(service::Service& svc, const webauth::WebAuth& auth, const Request& req) {
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
