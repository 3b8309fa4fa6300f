// Azure cost details export CSV (Cost Management exports / Cost Details API), Enterprise Agreement
// (PascalCase headers, US dates) and Microsoft Customer Agreement (camelCase headers) alike:
// columns are found case-insensitively. An ActualCost export gives the billed cost; an AmortizedCost
// export of the same period carries the amortized figure in the same column.
#include "engine/ingest/csv_rows.hpp"

namespace costbot::ingest {
namespace {

std::string_view azure_charge_category(std::string_view type) {
  if (type == "Usage" || type == "UnusedReservation" || type == "UnusedSavingsPlan") return "Usage";
  if (type == "Purchase") return "Purchase";
  if (type == "Refund") return "Credit";
  if (type == "Tax") return "Tax";
  if (type.empty()) return "Usage";
  return "Adjustment";
}

class AzureReader final : public CsvRows {
 public:
  AzureReader(std::unique_ptr<ByteSource> source, const std::string& name)
      : CsvRows(std::move(source), name, "an Azure cost details CSV") {
    read_header();
    account_ = required({"BillingAccountId"});
    period_start_ = required({"BillingPeriodStartDate"});
    date_ = required({"Date", "UsageDate"});
    cost_ = required({"CostInBillingCurrency", "Cost", "PreTaxCost"});
    currency_ = required({"BillingCurrencyCode", "BillingCurrency", "Currency"});
    check_required();
    subscription_ = column({"SubscriptionId"});
    subscription_name_ = column({"SubscriptionName"});
    meter_category_ = column({"MeterCategory"});
    service_family_ = column({"ServiceFamily"});
    location_ = column({"ResourceLocation"});
    resource_id_ = column({"ResourceId", "InstanceName"});
    resource_name_ = column({"ResourceName"});
    consumed_service_ = column({"ConsumedService"});
    meter_id_ = column({"MeterId"});
    meter_name_ = column({"MeterName"});
    charge_type_ = column({"ChargeType"});
    reservation_ = column({"ReservationId", "benefitId"});
    unit_ = column({"UnitOfMeasure"});
    quantity_ = column({"Quantity"});
    payg_cost_ = column({"paygCostInBillingCurrency"});
    payg_price_ = column({"PayGPrice"});
    tags_ = column({"Tags"});
  }

 private:
  bool map_row() override {
    auto& r = record_;
    double payg_cost = 0, payg_price = 0;
    if (!number(cost_, r.billed_cost, true) || !number(quantity_, r.consumed_quantity) ||
        !number(payg_cost_, payg_cost) || !number(payg_price_, payg_price) || !instant(date_, r.charge_start))
      return false;
    UnixSeconds period = 0;
    if (!instant(period_start_, period)) return false;
    r.billing_period_start = day_of(period);
    r.provider = "Microsoft";
    r.billing_account_id = text(account_);
    r.currency = text(currency_);
    if (r.billing_account_id.empty()) return reject(header_name(account_) + " is empty");
    if (r.currency.empty()) return reject(header_name(currency_) + " is empty");
    r.effective_cost = r.billed_cost;
    r.contracted_cost = r.billed_cost;
    if (present(payg_cost_)) r.list_cost = payg_cost;
    else if (present(payg_price_)) r.list_cost = payg_price * r.consumed_quantity;
    else r.list_cost = r.billed_cost;
    r.charge_category = azure_charge_category(text(charge_type_));
    r.sub_account_id = text(subscription_);
    r.sub_account_name = text(subscription_name_);
    r.service_name = text(meter_category_);
    r.service_category = text(service_family_);
    r.region = text(location_);
    r.resource_id = text(resource_id_);
    r.resource_name = text(resource_name_);
    r.resource_type = text(consumed_service_);
    r.sku_id = text(meter_id_);
    r.usage_type = text(meter_name_);
    r.commitment_discount_id = text(reservation_);
    r.consumed_unit = text(unit_);
    // Amortized exports carry the unused share of a reservation / savings plan as its own rows,
    // often without a resource: file them under the commitment, marked unused.
    if (auto type = text(charge_type_); type == "UnusedReservation" || type == "UnusedSavingsPlan") {
      r.usage_type = kUnusedCommitmentUsage;
      if (r.resource_id.empty()) r.resource_id = r.commitment_discount_id;
    }
    r.tags = text(tags_);
    if (r.tags.empty()) r.tag_format = TagFormat::none;
    else r.tag_format = r.tags.front() == '{' ? TagFormat::json_object : TagFormat::json_fragment;
    return true;
  }

  int account_, period_start_, date_, cost_, currency_, subscription_, subscription_name_, meter_category_,
      service_family_, location_, resource_id_, resource_name_, consumed_service_, meter_id_, meter_name_,
      charge_type_, reservation_, unit_, quantity_, payg_cost_, payg_price_, tags_;
};

}  // namespace

std::unique_ptr<RecordReader> make_azure_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
  return std::make_unique<AzureReader>(std::move(source), name);
}

}  // namespace costbot::ingest
