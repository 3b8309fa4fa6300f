// AWS CUR 2.0 (Data Exports table COST_AND_USAGE_REPORT) as CSV. Map columns (resource_tags,
// product) are written as JSON objects; activated user tags carry a "user_" prefix.
#include <algorithm>
#include <array>

#include "engine/ingest/csv_rows.hpp"

namespace costbot::ingest {
namespace {

struct AwsService {
  std::string_view code, name, category;
};

// The FOCUS ServiceName / ServiceCategory AWS itself uses for the most common product codes, so
// CUR and FOCUS data of the same account read alike; other codes are kept as written.
constexpr std::array<AwsService, 16> kServices{{
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute"},
    {"AmazonS3", "Amazon Simple Storage Service", "Storage"},
    {"AmazonRDS", "Amazon Relational Database Service", "Databases"},
    {"AWSLambda", "AWS Lambda", "Compute"},
    {"AmazonDynamoDB", "Amazon DynamoDB", "Databases"},
    {"AmazonCloudWatch", "AmazonCloudWatch", "Management and Governance"},
    {"AmazonVPC", "Amazon Virtual Private Cloud", "Networking"},
    {"AWSELB", "Elastic Load Balancing", "Networking"},
    {"AmazonEKS", "Amazon Elastic Kubernetes Service", "Compute"},
    {"AmazonECS", "Amazon Elastic Container Service", "Compute"},
    {"AmazonSQS", "Amazon Simple Queue Service", "Integration"},
    {"AmazonSNS", "Amazon Simple Notification Service", "Integration"},
    {"AmazonCloudFront", "Amazon CloudFront", "Networking"},
    {"AmazonElastiCache", "Amazon ElastiCache", "Databases"},
    {"AWSDataTransfer", "AWS Data Transfer", "Networking"},
    {"AmazonEFS", "Amazon Elastic File System", "Storage"},
}};

const AwsService* find_service(std::string_view code) {
  for (const auto& s : kServices)
    if (s.code == code) return &s;
  return nullptr;
}

std::string_view cur_charge_category(std::string_view type) {
  if (type == "Usage" || type == "DiscountedUsage" || type == "SavingsPlanCoveredUsage" ||
      type == "SavingsPlanNegation")
    return "Usage";
  if (type == "Tax") return "Tax";
  if (type == "Credit" || type == "Refund" || type.ends_with("Discount")) return "Credit";
  if (type == "Fee" || type == "RIFee" || type.starts_with("SavingsPlanRecurringFee") ||
      type == "SavingsPlanUpfrontFee")
    return "Purchase";
  return "Adjustment";
}

class CurReader final : public CsvRows {
 public:
  CurReader(std::unique_ptr<ByteSource> source, const std::string& name)
      : CsvRows(std::move(source), name, "an AWS CUR 2.0 CSV") {
    read_header();
    payer_ = required({"bill_payer_account_id"});
    period_start_ = required({"bill_billing_period_start_date"});
    usage_start_ = required({"line_item_usage_start_date"});
    unblended_ = required({"line_item_unblended_cost"});
    type_ = required({"line_item_line_item_type"});
    currency_ = required({"line_item_currency_code"});
    check_required();
    net_unblended_ = column({"line_item_net_unblended_cost"});
    account_ = column({"line_item_usage_account_id"});
    account_name_ = column({"line_item_usage_account_name"});
    product_code_ = column({"line_item_product_code"});
    servicecode_ = column({"product_servicecode"});
    region_ = column({"product_region_code"});
    resource_ = column({"line_item_resource_id"});
    sku_ = column({"product_sku"});
    usage_type_ = column({"line_item_usage_type"});
    usage_amount_ = column({"line_item_usage_amount"});
    unit_ = column({"pricing_unit"});
    public_cost_ = column({"pricing_public_on_demand_cost"});
    ri_effective_ = column({"reservation_effective_cost"});
    sp_effective_ = column({"savings_plan_savings_plan_effective_cost"});
    ri_unused_upfront_ = column({"reservation_unused_amortized_upfront_fee_for_billing_period"});
    ri_unused_recurring_ = column({"reservation_unused_recurring_fee"});
    sp_total_commitment_ = column({"savings_plan_total_commitment_to_date"});
    sp_used_commitment_ = column({"savings_plan_used_commitment"});
    ri_arn_ = column({"reservation_reservation_a_r_n"});
    sp_arn_ = column({"savings_plan_savings_plan_a_r_n"});
    tags_ = column({"resource_tags"});
  }

 private:
  bool map_row() override {
    auto& r = record_;
    double unblended = 0, net = 0, ri_effective = 0, sp_effective = 0, ri_unused_upfront = 0, ri_unused_recurring = 0,
           sp_total = 0, sp_used = 0;
    if (!number(unblended_, unblended, true) || !number(net_unblended_, net) || !number(public_cost_, r.list_cost) ||
        !number(ri_effective_, ri_effective) || !number(sp_effective_, sp_effective) ||
        !number(ri_unused_upfront_, ri_unused_upfront) || !number(ri_unused_recurring_, ri_unused_recurring) ||
        !number(sp_total_commitment_, sp_total) || !number(sp_used_commitment_, sp_used) ||
        !number(usage_amount_, r.consumed_quantity) || !instant(usage_start_, r.charge_start))
      return false;
    UnixSeconds period = 0;
    if (!instant(period_start_, period)) return false;
    r.billing_period_start = day_of(period);
    r.provider = "AWS";
    r.billing_account_id = text(payer_);
    r.currency = text(currency_);
    if (r.billing_account_id.empty()) return reject("bill_payer_account_id is empty");
    if (r.currency.empty()) return reject("line_item_currency_code is empty");

    // Billed: the invoice figure (net of discounts when the export has it). Effective: amortized,
    // the way AWS's own FOCUS export computes it per line item type.
    std::string_view type = text(type_);
    r.billed_cost = present(net_unblended_) ? net : unblended;
    r.contracted_cost = unblended;
    // The commitment's fee lines carry only its UNUSED share as effective cost (the used share is
    // already in the covered usage lines), filed under the commitment for the unused_commitment rule.
    bool unused_commitment = false;
    if (type == "SavingsPlanCoveredUsage") r.effective_cost = sp_effective;
    else if (type == "DiscountedUsage") r.effective_cost = ri_effective;
    else if (type == "SavingsPlanNegation" || type == "SavingsPlanUpfrontFee") r.effective_cost = 0;
    else if (type == "RIFee" && (present(ri_unused_upfront_) || present(ri_unused_recurring_))) {
      r.effective_cost = ri_unused_upfront + ri_unused_recurring;
      unused_commitment = r.effective_cost > 0;
    } else if (type.starts_with("SavingsPlanRecurringFee") && present(sp_total_commitment_) && present(sp_used_commitment_)) {
      r.effective_cost = std::max(0.0, sp_total - sp_used);
      unused_commitment = r.effective_cost > 0;
    } else if (type == "Fee" && present(ri_arn_) && !text(ri_arn_).empty()) {
      r.effective_cost = 0;  // a reservation's upfront payment: amortized over its term in the lines above
    } else {
      r.effective_cost = r.billed_cost;
    }
    r.charge_category = cur_charge_category(type);

    std::string_view code = present(servicecode_) ? text(servicecode_) : text(product_code_);
    if (const auto* s = find_service(code)) {
      r.service_name = s->name;
      r.service_category = s->category;
    } else {
      r.service_name = code;
    }
    r.sub_account_id = text(account_);
    r.sub_account_name = text(account_name_);
    r.region = text(region_);
    r.resource_id = text(resource_);
    r.sku_id = text(sku_);
    r.usage_type = text(usage_type_);
    r.consumed_unit = text(unit_);
    r.commitment_discount_id = present(sp_arn_) && !text(sp_arn_).empty() ? text(sp_arn_) : text(ri_arn_);
    if (unused_commitment) {
      r.usage_type = kUnusedCommitmentUsage;
      if (r.resource_id.empty()) r.resource_id = r.commitment_discount_id;
    }
    r.tags = text(tags_);
    r.tag_format = r.tags.empty() ? TagFormat::none : TagFormat::json_object;
    r.tag_key_prefix = "user_";
    return true;
  }

  int payer_, period_start_, usage_start_, unblended_, type_, currency_, net_unblended_, account_, account_name_,
      product_code_, servicecode_, region_, resource_, sku_, usage_type_, usage_amount_, unit_, public_cost_,
      ri_effective_, sp_effective_, ri_unused_upfront_, ri_unused_recurring_, sp_total_commitment_, sp_used_commitment_,
      ri_arn_, sp_arn_, tags_;
};

}  // namespace

std::unique_ptr<RecordReader> make_cur_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
  return std::make_unique<CurReader>(std::move(source), name);
}

}  // namespace costbot::ingest
