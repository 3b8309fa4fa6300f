#include "engine/detect/correlation.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/detect/contributors.hpp"
#include "engine/query/costs.hpp"

namespace costbot::detect {
namespace {

using std::chrono::days;

// Average cost per day over [from, to] against the average over the baseline days before it (the
// same days the contributors are measured against), for the rows matching every filter.
class ChangeMeter {
 public:
  explicit ChangeMeter(storage::Database& db) : query_(db) {}

  double change(const query::Filters& filters, Day from, Day to) {
    const auto baseline = baseline_days_for(from, to);
    Day first = from;
    for (Day d : baseline) first = std::min(first, d);
    const auto values = query_.daily_total(query::Period{first, to + days{1}, ""}, filters);
    auto at = [&](Day d) {
      const auto i = static_cast<std::size_t>((d - first).count());
      return i < values.size() ? values[i] : 0.0;
    };
    double now = 0, before = 0;
    for (Day d = from; d <= to; d += days{1}) now += at(d);
    for (Day d : baseline) before += at(d);
    return now / static_cast<double>((to - from).count() + 1) - before / static_cast<double>(baseline.size());
  }

 private:
  query::CostQuery query_;
};

std::optional<query::Filter> filter_of(const std::string& dimension, const std::string& value) {
  auto d = query::parse_dimension(dimension);
  if (!d) return std::nullopt;
  return query::Filter{*d, value};
}

}  // namespace

int scope_depth(const config::CorrelationConfig& config, const std::string& dimension) {
  int depth = -1;
  for (const auto& chain : config.hierarchies)
    for (std::size_t i = 0; i < chain.size(); ++i)
      if (chain[i] == dimension) depth = std::max(depth, static_cast<int>(i));
  return depth;
}

bool is_narrower(const config::CorrelationConfig& config, const std::string& narrow, const std::string& broad) {
  for (const auto& chain : config.hierarchies) {
    auto n = std::find(chain.begin(), chain.end(), narrow);
    auto b = std::find(chain.begin(), chain.end(), broad);
    if (n != chain.end() && b != chain.end() && n > b) return true;
  }
  return false;
}

Correlation correlate(storage::Database& db, const config::CorrelationConfig& config,
                      const std::vector<ScopeDetection>& detections, const std::vector<OpenScope>& open) {
  Correlation out;
  out.explained_by.resize(detections.size());
  if (config.hierarchies.empty()) return out;
  ChangeMeter meter(db);

  // Narrowest first, so that what explains a detection has been settled before it.
  std::vector<std::size_t> order(detections.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return scope_depth(config, detections[a].dimension) > scope_depth(config, detections[b].dimension);
  });

  for (std::size_t at = 0; at < order.size(); ++at) {
    const std::size_t a = order[at];
    const auto& A = detections[a];
    const auto a_filter = filter_of(A.dimension, A.value);
    if (!a_filter || scope_depth(config, A.dimension) < 0) continue;
    const Day from = A.detection.window_start, to = A.detection.day;
    const double total = meter.change({*a_filter}, from, to);
    if (total == 0 || (total > 0) != (A.detection.impact_per_day > 0)) continue;

    // The share of A's change carried by each narrower scope that changed at the same time,
    // counted once per root (a root and the scopes it explains are nested).
    std::map<std::pair<bool, std::size_t>, double> roots;
    auto weigh = [&](const std::string& dim, const std::string& value, bool incident, std::size_t root) {
      auto f = filter_of(dim, value);
      if (!f) return;
      const double share = meter.change({*a_filter, *f}, from, to) / total;
      if (share <= 0) return;
      double& best = roots[{incident, root}];
      best = std::max(best, std::min(share, 1.0));
    };
    for (std::size_t k = 0; k < at; ++k) {
      const std::size_t b = order[k];
      const auto& B = detections[b];
      if (!is_narrower(config, B.dimension, A.dimension)) continue;
      if ((B.detection.impact_per_day > 0) != (A.detection.impact_per_day > 0)) continue;
      if (B.detection.window_start > to + days{1} || B.detection.day + days{1} < from) continue;
      if (out.explained_by[b].empty()) {
        weigh(B.dimension, B.value, false, b);
      } else {
        for (const auto& e : out.explained_by[b]) {
          // B is context of its roots: A's overlap with B counts for them.
          weigh(B.dimension, B.value, e.incident, e.index);
        }
      }
    }
    for (std::size_t k = 0; k < open.size(); ++k) {
      const auto& o = open[k];
      if (!is_narrower(config, o.dimension, A.dimension)) continue;
      if (o.last_day + days{config.lookback_days} < from || o.first_day > to + days{1}) continue;
      bool represented = false;  // the same scope flagged in this run speaks for itself
      for (std::size_t j = 0; j < at && !represented; ++j)
        represented = detections[order[j]].dimension == o.dimension && detections[order[j]].value == o.value;
      if (!represented) weigh(o.dimension, o.value, true, k);
    }
    double carried = 0;
    for (const auto& [root, share] : roots) carried += share;
    if (carried < config.explain_share) continue;
    for (const auto& [root, share] : roots)
      if (share >= 0.1) out.explained_by[a].push_back({root.first, root.second, share});
    std::sort(out.explained_by[a].begin(), out.explained_by[a].end(),
              [](const Explainer& x, const Explainer& y) { return x.share > y.share; });
    if (out.explained_by[a].empty()) {  // many small parts: the largest speaks for them
      auto best = std::max_element(roots.begin(), roots.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
      out.explained_by[a].push_back({best->first.first, best->first.second, best->second});
    }
  }
  return out;
}

}  // namespace costbot::detect
