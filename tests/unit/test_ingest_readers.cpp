#include <catch2/catch.hpp>

#include "engine/ingest/csv_rows.hpp"
#include "engine/ingest/record_reader.hpp"
#include "engine/util/error.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using ingest::SourceType;

namespace {

struct Row {
  std::int64_t line;
  std::string error;
  std::string provider, account, sub_account, service, category, region, resource, sku, usage_type, charge_category,
      currency, tags, commitment;
  ingest::TagFormat tag_format;
  UnixSeconds start;
  std::string period;
  double billed, effective, list, quantity;
};

std::vector<Row> read_rows(SourceType type, const std::string& path) {
  auto reader = ingest::open_cost_reader(type, ingest::open_file(path), path);
  std::vector<Row> rows;
  while (reader->next()) {
    const auto& r = reader->record();
    rows.push_back({reader->line(), reader->error(), std::string(r.provider), std::string(r.billing_account_id),
                    std::string(r.sub_account_id), std::string(r.service_name), std::string(r.service_category),
                    std::string(r.region), std::string(r.resource_id), std::string(r.sku_id),
                    std::string(r.usage_type), std::string(r.charge_category), std::string(r.currency),
                    std::string(r.tags), std::string(r.commitment_discount_id), r.tag_format, r.charge_start,
                    format_day(r.billing_period_start), r.billed_cost, r.effective_cost, r.list_cost,
                    r.consumed_quantity});
  }
  return rows;
}

std::string read_error(SourceType type, const std::string& bytes) {
  try {
    auto reader = ingest::open_cost_reader(type, ingest::open_memory(bytes), "in.csv");
    while (reader->next()) {
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the FOCUS sample maps every row, with NULLs as empty and the charge period parsed", "[ingest][readers]") {
  auto rows = read_rows(SourceType::focus, testing::source_path("tests/fixtures/focus/focus_sample.csv"));
  REQUIRE(rows.size() == 1000);
  for (const auto& r : rows) REQUIRE(r.error.empty());
  const auto& first = rows[0];
  CHECK(first.line == 2);
  CHECK(first.provider == "AWS");
  CHECK(first.account == "1234567890123");
  CHECK(first.service == "Amazon Simple Queue Service");
  CHECK(first.category == "Integration");
  CHECK(first.region == "us-west-2");
  CHECK(first.tags.empty());  // NULL
  CHECK(first.start == *parse_instant("2024-09-18T22:00:00Z"));
  CHECK(first.period == "2024-09-01");
  CHECK(first.billed == Approx(0.0000008));
  CHECK(rows[1].tags == R"({"application": "BrightLensMatrix", "environment": "dev", "business_unit": "ViennaAI"})");
}

TEST_CASE("AWS CUR 2.0 rows map to FOCUS semantics per line item type", "[ingest][readers][cur]") {
  auto rows = read_rows(SourceType::cur, testing::source_path("tests/fixtures/cur/cur2_2024-09.csv"));
  REQUIRE(rows.size() == 8);
  for (const auto& r : rows) REQUIRE(r.error.empty());
  CHECK(rows[0].provider == "AWS");
  CHECK(rows[0].account == "111122223333");
  CHECK(rows[0].sub_account == "444455556666");
  CHECK(rows[0].service == "Amazon Elastic Compute Cloud");
  CHECK(rows[0].category == "Compute");
  CHECK(rows[0].resource == "i-0a1b2c3d4e5f60001");
  CHECK(rows[0].usage_type == "USE1-BoxUsage:m5.xlarge");
  CHECK(rows[0].tags == R"({"user_team":"payments","user_environment":"production"})");
  CHECK(rows[0].period == "2024-09-01");
  CHECK(rows[0].start == *parse_instant("2024-09-01T00:00:00Z"));
  // Savings Plan covered usage: billed at on-demand, effective at the plan's rate.
  CHECK(rows[3].billed == Approx(0.384));
  CHECK(rows[3].effective == Approx(0.25));
  CHECK(rows[3].commitment == "arn:aws:savingsplans::111122223333:savingsplan/sp-0123456789abcdef0");
  // The negation cancels the billed on-demand cost and adds nothing to the effective cost.
  CHECK(rows[4].billed == Approx(-0.384));
  CHECK(rows[4].effective == 0);
  // Reserved instance usage: effective cost from the reservation.
  CHECK(rows[5].effective == Approx(0.171));
  CHECK(rows[5].service == "Amazon Relational Database Service");
  CHECK(rows[6].charge_category == "Tax");
  CHECK(rows[7].charge_category == "Credit");
  CHECK(rows[7].billed == Approx(-2.0));
}

TEST_CASE("Azure EA cost details (BOM, CRLF, US dates, both tag styles) map to the record", "[ingest][readers][azure]") {
  auto rows = read_rows(SourceType::azure, testing::source_path("tests/fixtures/azure/cost_details_ea_2024-09.csv"));
  REQUIRE(rows.size() == 7);
  for (const auto& r : rows) REQUIRE(r.error.empty());  // the currency check comes later, in normalization
  CHECK(rows[0].provider == "Microsoft");
  CHECK(rows[0].account == "8611537");
  CHECK(rows[0].sub_account == "5f2c8f4e-0d55-4a2b-9c1e-7a0b1c2d3e4f");
  CHECK(rows[0].service == "Virtual Machines");
  CHECK(rows[0].category == "Compute");
  CHECK(rows[0].region == "westeurope");
  CHECK(rows[0].currency == "EUR");
  CHECK(rows[0].start == *parse_instant("2024-09-01T00:00:00Z"));
  CHECK(rows[0].period == "2024-09-01");
  CHECK(rows[0].billed == Approx(12.0));
  CHECK(rows[0].list == Approx(0.55 * 24));
  CHECK(rows[0].tag_format == ingest::TagFormat::json_object);
  CHECK(rows[1].tag_format == ingest::TagFormat::json_fragment);
  CHECK(rows[1].tags == R"("owner-team": "data-platform","Environment": "Production")");
  CHECK(rows[3].charge_category == "Purchase");
  CHECK(rows[4].charge_category == "Credit");
  CHECK(rows[5].currency == "XYZ");
  CHECK(rows[6].line == 8);
}

TEST_CASE("the GCP billing export reads the same from CSV and from newline-delimited JSON", "[ingest][readers][gcp]") {
  auto csv = read_rows(SourceType::gcp, testing::source_path("tests/fixtures/gcp/billing_export_2024-09.csv"));
  auto json = read_rows(SourceType::gcp, testing::source_path("tests/fixtures/gcp/billing_export_2024-09.jsonl"));
  REQUIRE(csv.size() == 5);
  REQUIRE(json.size() == 5);
  for (std::size_t i = 0; i < csv.size(); ++i) {
    INFO("row " << i);
    REQUIRE(csv[i].error.empty());
    REQUIRE(json[i].error.empty());
    CHECK(csv[i].provider == "Google Cloud");
    CHECK(csv[i].account == json[i].account);
    CHECK(csv[i].sub_account == json[i].sub_account);
    CHECK(csv[i].service == json[i].service);
    CHECK(csv[i].usage_type == json[i].usage_type);
    CHECK(csv[i].start == json[i].start);
    CHECK(csv[i].period == json[i].period);
    CHECK(csv[i].billed == Approx(json[i].billed));
    CHECK(csv[i].list == Approx(json[i].list));
    CHECK(csv[i].charge_category == json[i].charge_category);
    CHECK(csv[i].tag_format == ingest::TagFormat::key_value_list);
  }
  CHECK(csv[0].billed == Approx(4.25));  // cost 5.00 + credits -0.75
  CHECK(csv[0].list == Approx(5.2));
  CHECK(csv[0].sub_account == "acme-payments");
  CHECK(csv[2].billed == Approx(0.0));  // fully covered by the free tier
  CHECK(csv[3].charge_category == "Tax");
  CHECK(csv[4].period == "2024-09-01");  // invoice month, although the usage is from August 31
  CHECK(format_day(day_of(csv[4].start)) == "2024-08-31");
  CHECK(json[1].line == 2);
}

TEST_CASE("a file without the required columns names every missing one", "[ingest][readers]") {
  CHECK(read_error(SourceType::focus, "BilledCost,ProviderName\n1,AWS\n") ==
        "in.csv is not a FOCUS 1.0 CSV file: missing required columns EffectiveCost, ChargePeriodStart, "
        "BillingPeriodStart, ChargeCategory, ServiceName, BillingAccountId, BillingCurrency (its first line has 2 "
        "columns: BilledCost, ProviderName)");
  CHECK_THAT(read_error(SourceType::cur, "{\"not\": \"csv\"}\n"),
             Catch::StartsWith("in.csv is not an AWS CUR 2.0 CSV file: missing required columns bill_payer_account_id"));
  CHECK(read_error(SourceType::azure, "") == "in.csv is empty: expected an Azure cost details CSV header line");
  CHECK_THAT(read_error(SourceType::focus, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)),
             Catch::Contains("is not a CSV text file (binary data at its start)"));
  CHECK_THAT(read_error(SourceType::gcp, "{\"billing_account_id\": \n"), Catch::Contains("in.csv:1: not newline-delimited JSON"));
}

TEST_CASE("a bad row names the column and value, the next row still maps", "[ingest][readers]") {
  std::string header =
      "BilledCost,EffectiveCost,ChargePeriodStart,BillingPeriodStart,ChargeCategory,ProviderName,ServiceName,"
      "BillingAccountId,BillingCurrency\n";
  auto reader = ingest::open_cost_reader(
      SourceType::focus,
      ingest::open_memory(header + "abc,1,2024-09-01T00:00:00Z,2024-09-01,Usage,AWS,S3,1,USD\n"
                                   "1,1,yesterday,2024-09-01,Usage,AWS,S3,1,USD\n"
                                   "1,1,2024-09-01T00:00:00Z,2024-09-01,Usage,AWS,S3\n"
                                   "NULL,1,2024-09-01T00:00:00Z,2024-09-01,Usage,AWS,S3,1,USD\n"
                                   "1.5,1,2024-09-01T00:00:00Z,2024-09-01,Usage,AWS,S3,1,USD\n"),
      "x.csv");
  std::vector<std::string> errors;
  while (reader->next()) errors.push_back(reader->error());
  REQUIRE(errors.size() == 5);
  CHECK(errors[0] == "BilledCost: expected a number, got \"abc\"");
  CHECK(errors[1] == "ChargePeriodStart: expected a date/time such as 2024-09-18T22:00:00Z, got \"yesterday\"");
  CHECK(errors[2] == "expected 9 fields as in the header, found 7");
  CHECK(errors[3] == "BilledCost is empty");
  CHECK(errors[4].empty());
  CHECK(reader->record().billed_cost == 1.5);
}

TEST_CASE("billing instants accept ISO 8601, BigQuery's UTC suffix and Azure's US dates", "[ingest][readers]") {
  CHECK(ingest::parse_billing_instant("2024-09-18T22:00:00.000Z") == parse_instant("2024-09-18T22:00:00Z"));
  CHECK(ingest::parse_billing_instant("2024-09-18 22:00:00 UTC") == parse_instant("2024-09-18T22:00:00Z"));
  CHECK(ingest::parse_billing_instant("09/18/2024") == parse_instant("2024-09-18T00:00:00Z"));
  CHECK(ingest::parse_billing_instant("9/8/2024") == parse_instant("2024-09-08T00:00:00Z"));
  CHECK_FALSE(ingest::parse_billing_instant("18.09.2024"));
  CHECK_FALSE(ingest::parse_billing_instant("13/45/2024"));
  CHECK_FALSE(ingest::parse_amount("inf"));
  CHECK_FALSE(ingest::parse_amount("1,5"));
  CHECK(ingest::parse_amount(" 1e-3 ") == 0.001);
}
