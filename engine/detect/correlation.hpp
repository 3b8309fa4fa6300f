#pragma once
// One cost event, one incident. The same change shows in a resource, its service, its account, its
// team and its provider; each series is analysed on its own, so each flags it. Scopes form
// hierarchies (config detection.correlation.hierarchies: provider > account > service > resource,
// team > service > resource); a detection at a broader scope whose change is carried by detections
// at narrower scopes (at least explain_share of it, from the cost rows of the intersection) is
// explained by them: it becomes context (a related scope) of the narrowest one, not a finding,
// an incident, a page, an email or a post of its own, and its dollars are never added to theirs.
// A narrower open incident (seen within lookback_days) explains like a detection of this run, so
// an event keeps its incident from one day to the next.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/cost_anomalies.hpp"
#include "engine/storage/database.hpp"

namespace costbot::detect {

struct ScopeDetection {
  std::string dimension, value;
  CostDetection detection;
};

// An open cost-anomaly incident that may explain this run's detections.
struct OpenScope {
  std::int64_t incident_id = 0;
  std::int64_t finding_id = 0;  // its latest finding (where context goes)
  std::string dimension, value;
  Day first_day{}, last_day{};
};

struct Explainer {
  bool incident = false;  // true: open[index]; false: detections[index]
  std::size_t index = 0;
  double share = 0;       // of the explained detection's change carried by the intersection
};

struct Correlation {
  // Per detection: empty when it stands on its own (a finding and an incident); else the roots
  // that explain it (largest share first): it is their context.
  std::vector<std::vector<Explainer>> explained_by;
};

// The position of a dimension in the hierarchies (0 = broadest), -1 when in none.
int scope_depth(const config::CorrelationConfig& config, const std::string& dimension);
// `narrow` lies below `broad` in one of the hierarchies.
bool is_narrower(const config::CorrelationConfig& config, const std::string& narrow, const std::string& broad);

Correlation correlate(storage::Database& db, const config::CorrelationConfig& config,
                      const std::vector<ScopeDetection>& detections, const std::vector<OpenScope>& open);

}  // namespace costbot::detect
