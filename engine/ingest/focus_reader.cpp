// FOCUS 1.0 CSV: the common language every cloud exports; its columns are the normalized record.
#include "engine/ingest/csv_rows.hpp"

namespace costbot::ingest {
namespace {

class FocusReader final : public CsvRows {
 public:
  FocusReader(std::unique_ptr<ByteSource> source, const std::string& name)
      : CsvRows(std::move(source), name, "a FOCUS 1.0 CSV") {
    read_header();
    billed_ = required({"BilledCost"});
    effective_ = required({"EffectiveCost"});
    list_ = column({"ListCost"});
    contracted_ = column({"ContractedCost"});
    charge_start_ = required({"ChargePeriodStart"});
    period_start_ = required({"BillingPeriodStart"});
    category_ = required({"ChargeCategory"});
    provider_ = required({"ProviderName"});
    service_ = required({"ServiceName"});
    account_ = required({"BillingAccountId"});
    currency_ = required({"BillingCurrency"});
    check_required();
    service_category_ = column({"ServiceCategory"});
    region_id_ = column({"RegionId"});
    region_name_ = column({"RegionName"});
    resource_id_ = column({"ResourceId"});
    resource_name_ = column({"ResourceName"});
    resource_type_ = column({"ResourceType"});
    sub_account_ = column({"SubAccountId"});
    sub_account_name_ = column({"SubAccountName"});
    sku_ = column({"SkuId"});
    usage_type_ = column({"x_UsageType", "PricingUnit"});
    commitment_ = column({"CommitmentDiscountId"});
    commitment_status_ = column({"CommitmentDiscountStatus"});
    consumed_quantity_ = column({"ConsumedQuantity"});
    consumed_unit_ = column({"ConsumedUnit"});
    tags_ = column({"Tags"});
  }

 private:
  bool map_row() override {
    auto& r = record_;
    if (!number(billed_, r.billed_cost, true) || !number(effective_, r.effective_cost, true) ||
        !number(list_, r.list_cost) || !number(contracted_, r.contracted_cost) ||
        !number(consumed_quantity_, r.consumed_quantity) || !instant(charge_start_, r.charge_start))
      return false;
    UnixSeconds period = 0;
    if (!instant(period_start_, period)) return false;
    r.billing_period_start = day_of(period);
    r.provider = text(provider_);
    r.billing_account_id = text(account_);
    r.currency = text(currency_);
    if (r.provider.empty()) return reject("ProviderName is empty");
    if (r.billing_account_id.empty()) return reject("BillingAccountId is empty");
    if (r.currency.empty()) return reject("BillingCurrency is empty");
    r.charge_category = text(category_);
    r.service_name = text(service_);
    r.service_category = text(service_category_);
    r.region = text(region_id_);
    if (r.region.empty()) r.region = text(region_name_);
    r.resource_id = text(resource_id_);
    r.resource_name = text(resource_name_);
    r.resource_type = text(resource_type_);
    r.sub_account_id = text(sub_account_);
    r.sub_account_name = text(sub_account_name_);
    r.sku_id = text(sku_);
    r.usage_type = text(usage_type_);
    r.commitment_discount_id = text(commitment_);
    // The unused share of a commitment (FOCUS 1.0 CommitmentDiscountStatus = Unused): filed under
    // the commitment, marked for the unused_commitment rule.
    if (text(commitment_status_) == "Unused") {
      r.usage_type = kUnusedCommitmentUsage;
      if (r.resource_id.empty()) r.resource_id = r.commitment_discount_id;
    }
    r.consumed_unit = text(consumed_unit_);
    r.tags = text(tags_);
    r.tag_format = r.tags.empty() ? TagFormat::none : TagFormat::json_object;
    return true;
  }

  int billed_, effective_, list_, contracted_, charge_start_, period_start_, category_, provider_, service_,
      account_, currency_, service_category_, region_id_, region_name_, resource_id_, resource_name_,
      resource_type_, sub_account_, sub_account_name_, sku_, usage_type_, commitment_, commitment_status_, consumed_quantity_,
      consumed_unit_, tags_;
};

}  // namespace

std::unique_ptr<RecordReader> make_focus_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
  return std::make_unique<FocusReader>(std::move(source), name);
}

}  // namespace costbot::ingest
