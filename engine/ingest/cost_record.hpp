#pragma once
// The normalized billing record every reader (FOCUS, CUR, Azure, GCP) produces, in the vocabulary of
// FOCUS 1.0. String fields are views that stay valid until the reader's next record; amounts are in
// `currency` (conversion to the base currency happens in normalization).
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/time.hpp"

namespace costbot::ingest {

enum class SourceType { focus, cur, azure, gcp, usage };

// The usage type given to the unused share of a commitment (a reservation or savings plan) in an
// amortized export: Azure's UnusedReservation / UnusedSavingsPlan rows, FOCUS rows whose
// CommitmentDiscountStatus is Unused. The unused_commitment rule reads a commitment's
// utilization from them when no utilization metric was ingested.
inline constexpr std::string_view kUnusedCommitmentUsage = "Unused commitment";

std::string_view name_of(SourceType type);
std::optional<SourceType> parse_source_type(std::string_view name);
const char* valid_source_types();  // "focus, cur, azure, gcp, usage"

// How the provider wrote the tags (they are parsed only when a record's tags are first seen).
enum class TagFormat {
  none,
  json_object,     // {"team": "payments"} (FOCUS Tags, CUR 2.0 resource_tags, Azure new exports)
  json_fragment,   // "team": "payments","env": "prod" (Azure exports without the braces)
  key_value_list,  // [{"key": "team", "value": "payments"}] (GCP labels)
};

struct CostRecord {
  std::string_view provider;
  std::string_view billing_account_id;
  std::string_view sub_account_id;
  std::string_view sub_account_name;
  std::string_view service_name;
  std::string_view service_category;
  std::string_view region;
  std::string_view resource_id;
  std::string_view resource_name;
  std::string_view resource_type;
  std::string_view sku_id;
  std::string_view usage_type;
  std::string_view charge_category;
  std::string_view commitment_discount_id;
  std::string_view consumed_unit;
  std::string_view currency;
  std::string_view tags;
  TagFormat tag_format = TagFormat::none;
  // Tag keys the provider prefixes (CUR 2.0 writes user_team for the user tag "team").
  std::string_view tag_key_prefix;

  UnixSeconds charge_start = 0;
  Day billing_period_start{};

  double billed_cost = 0;
  double effective_cost = 0;
  double list_cost = 0;
  double contracted_cost = 0;
  double consumed_quantity = 0;
};

}  // namespace costbot::ingest
