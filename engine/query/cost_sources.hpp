#pragma once
// Where the figures of a cost query came from: per value of a dimension, each source (the
// configured ingest source, or the file's type for a one-off ingest) with the days it supplied and
// whether any were provider estimates (Cost Explorer's intraday figures). `costbot costs` shows
// them, so an account read from both its export and Cost Explorer says which one each day used.
#include <string>
#include <vector>

#include "engine/query/costs.hpp"

namespace costbot::query {

struct CostSource {
  std::string key;        // the dimension value, as in CostTotal::key
  std::string source;     // ingest.sources[].name, or "" for a file ingested by hand
  std::string kind;       // the billing scopes' kind: focus, cur, azure, gcp, api:aws-cost-explorer
  Day first{}, last{};    // the days it supplied within the period
  bool estimated = false; // some of those days are provider estimates
  // "aws-cur (cur)", "aws-ce (Cost Explorer, estimated)", "cur file"
  std::string label() const;
};

// Sorted by key, then first day.
std::vector<CostSource> cost_sources(storage::Database& db, Dimension by, const Period& period,
                                     const Filters& filters = {});

}  // namespace costbot::query
