// Azure Blob pieces that need no network: Shared Key signing against a vector checked against
// Azurite, Blob URLs and connection strings, the List Blobs XML, export manifests and the plan of
// what to ingest per billing period.
#include <catch2/catch.hpp>

#include <algorithm>

#include "adapters/azure/blob_client.hpp"
#include "adapters/azure/blob_location.hpp"
#include "adapters/azure/export_manifest.hpp"
#include "adapters/azure/shared_key.hpp"

using namespace costbot;
using namespace costbot::azure;

TEST_CASE("Shared Key: the string to sign and signature of a path-style List Blobs request", "[azure]") {
  // Vector from ../shared/reference/CLOUD_AND_IDENTITY.md §8 (verified there against Azurite 3.36):
  // the account appears twice in the resource because the path starts with it.
  SignedRequest r;
  r.method = "GET";
  r.path = "/devstoreaccount1/billing";
  r.query = {{"restype", "container"}, {"comp", "list"}, {"prefix", "exports/"}, {"maxresults", "2"}};
  r.headers = {{"x-ms-version", "2021-08-06"}, {"x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"}};
  CHECK(shared_key_string_to_sign("devstoreaccount1", r) ==
        "GET\n\n\n\n\n\n\n\n\n\n\n\n"
        "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2021-08-06\n"
        "/devstoreaccount1/devstoreaccount1/billing\ncomp:list\nmaxresults:2\nprefix:exports/\nrestype:container");
  CHECK(shared_key_authorization("devstoreaccount1", kDevelopmentKey, r) ==
        "SharedKey devstoreaccount1:8/K6O/VeZ/mSw9HtTn+hbce79Lc09zG7La2RWjdTy9c=");
  // A zero Content-Length is an empty line; other standard headers land on their own lines.
  r.headers.emplace_back("Content-Length", "0");
  r.headers.emplace_back("If-Match", "\"0x8D\"");
  auto sts = shared_key_string_to_sign("devstoreaccount1", r);
  CHECK(sts.starts_with("GET\n\n\n\n\n\n\n\n\"0x8D\"\n\n\n\nx-ms-date"));
  CHECK_THROWS_WITH(shared_key_authorization("acct", "not base64!", r), Catch::Contains("not base64"));
}

TEST_CASE("Blob URLs: account hosts, path-style emulators, SAS queries", "[azure]") {
  auto a = parse_blob_url("https://finops.blob.core.windows.net/billing/exports/focus/");
  CHECK(a.service_url == "https://finops.blob.core.windows.net");
  CHECK(a.account == "finops");
  CHECK(a.container == "billing");
  CHECK(a.prefix == "exports/focus/");
  CHECK(a.display() == "https://finops.blob.core.windows.net/billing/exports/focus/");

  auto gov = parse_blob_url("https://acct.blob.core.usgovcloudapi.net/c");
  CHECK(gov.account == "acct");
  CHECK(gov.prefix.empty());

  auto local = parse_blob_url("http://127.0.0.1:10000/devstoreaccount1/billing/a%20b/?sv=2022-11-02&sig=abc%3D");
  CHECK(local.service_url == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(local.account == "devstoreaccount1");
  CHECK(local.container == "billing");
  CHECK(local.prefix == "a b/");
  CHECK(local.sas == "sv=2022-11-02&sig=abc%3D");

  CHECK_THROWS_WITH(parse_blob_url("https://finops.blob.core.windows.net/"), Catch::Contains("names no container"));
  CHECK_THROWS_WITH(parse_blob_url("https://example.com/c/p"), Catch::Contains("not a Blob service host"));
  CHECK_THROWS_WITH(parse_blob_url("s3://bucket/x"), Catch::Contains("not a Blob URL"));
}

TEST_CASE("Storage connection strings: account key, endpoints, SAS, development storage", "[azure]") {
  auto k = parse_storage_connection_string(
      "DefaultEndpointsProtocol=https;AccountName=finops;AccountKey=c2VjcmV0;EndpointSuffix=core.chinacloudapi.cn");
  CHECK(k.blob_endpoint == "https://finops.blob.core.chinacloudapi.cn");
  CHECK(k.account_key == "c2VjcmV0");
  auto e = parse_storage_connection_string("BlobEndpoint=https://finops.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x");
  CHECK(e.account == "finops");
  CHECK(e.sas == "sv=1&sig=x");
  auto dev = parse_storage_connection_string("UseDevelopmentStorage=true");
  CHECK(dev.blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(dev.account_key == kDevelopmentKey);
  try {
    parse_storage_connection_string("AccountName=x;AccountKey");
    FAIL("no error");
  } catch (const std::exception& ex) {
    CHECK(std::string(ex.what()).find("without '='") != std::string::npos);
  }
  CHECK_THROWS_WITH(parse_storage_connection_string("AccountName=x"), Catch::Contains("neither AccountKey nor SharedAccessSignature"));
}

TEST_CASE("List Blobs XML: names (also encoded), ETags, sizes, dates and the next marker", "[azure]") {
  auto page = parse_blob_listing(R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="billing">
  <Prefix>exports/</Prefix><MaxResults>2</MaxResults>
  <Blobs>
    <Blob><Name>exports/a.csv</Name><Properties><Last-Modified>Mon, 03 Jun 2024 10:00:00 GMT</Last-Modified>
      <Etag>0x8DC1</Etag><Content-Length>123</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>
    <Blob><Name Encoded="true">exports/b%EF%BF%BF.csv</Name><Properties><Etag>"0x8DC2"</Etag><Content-Length>0</Content-Length></Properties></Blob>
  </Blobs>
  <NextMarker>2!88!MDAw</NextMarker>
</EnumerationResults>)");
  REQUIRE(page.blobs.size() == 2);
  CHECK(page.blobs[0].name == "exports/a.csv");
  CHECK(page.blobs[0].etag == "0x8DC1");
  CHECK(page.blobs[0].size == 123);
  CHECK(page.blobs[0].last_modified == 1717408800);
  CHECK(page.blobs[1].name == "exports/b\xEF\xBF\xBF.csv");
  CHECK(page.next_marker == "2!88!MDAw");
  CHECK(parse_blob_listing("<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>").next_marker.empty());
  CHECK_THROWS_WITH(parse_blob_listing("<html>"), Catch::Contains("not XML"));
  CHECK_THROWS_WITH(parse_blob_listing("<Error/>"), Catch::Contains("no EnumerationResults"));
}

namespace {

std::string manifest_json(const std::string& name, const std::string& type, const std::string& run, const std::string& submitted,
                          const std::string& start, const std::string& end, const std::vector<std::string>& blobs,
                          const std::string& format = "Csv") {
  std::string list;
  for (const auto& b : blobs) list += (list.empty() ? "" : ",") + std::string(R"({"blobName":")") + b + R"(","byteCount":10,"dataRowCount":2})";
  return R"({"manifestVersion":"2024-04-01","byteCount":10,"blobCount":)" + std::to_string(blobs.size()) +
         R"(,"dataRowCount":4,"exportConfig":{"exportName":")" + name + R"(","resourceId":"/subscriptions/x","dataVersion":"2023-12-01-preview","apiVersion":"2023-07-01-preview","type":")" +
         type + R"(","timeFrame":"MonthToDate","granularity":"Daily"},"deliveryConfig":{"partitionData":true,"dataOverwriteBehavior":"OverwritePreviousReport","fileFormat":")" +
         format + R"(","compressionMode":"Gzip","containerUri":"/subscriptions/x/storageAccounts/y","rootFolderPath":"exports"},"runInfo":{"executionType":"Scheduled","submittedTime":")" +
         submitted + R"(","runId":")" + run + R"(","startDate":")" + start + R"(","endDate":")" + end + R"("},"blobs":[)" + list + "]}";
}

BlobItem blob(const std::string& name, std::int64_t modified = 1717400000, const std::string& etag = "e") {
  return BlobItem{name, etag + name.substr(name.size() - 3), 100, modified};
}

}  // namespace

TEST_CASE("Export manifests: fields read, bad ones named", "[azure]") {
  auto m = parse_export_manifest(manifest_json("daily-focus", "FocusCost", "run-1", "2024-06-03T08:00:00Z",
                                               "2024-06-01T00:00:00", "2024-06-30T00:00:00Z",
                                               {"exports/daily-focus/20240601-20240630/run-1/part_0_0001.csv.gz"}),
                                 "manifest.json");
  CHECK(m.export_name == "daily-focus");
  CHECK(m.dataset == ExportDataset::focus);
  CHECK(m.run_id == "run-1");
  CHECK(m.blobs.size() == 1);
  CHECK(m.data_row_count == 4);
  CHECK_THROWS_WITH(parse_export_manifest("{\"blobs\":[]}", "x/manifest.json"), Catch::Contains("x/manifest.json has no runInfo.startDate"));
  CHECK_THROWS_WITH(parse_export_manifest("[1]", "m.json"), Catch::Contains("m.json is not a JSON object"));
  CHECK_THROWS_WITH(parse_export_manifest(R"({"runInfo":{"startDate":"2024-06-01"}})", "m.json"), Catch::Contains("no \"blobs\" array"));
  CHECK(is_manifest_blob("a/b/manifest.json"));
  CHECK(is_manifest_blob("_manifest.json"));
  CHECK_FALSE(is_manifest_blob("a/manifest.json.bak"));
}

TEST_CASE("Export plan: the newest run per export and period, one dataset, parts in manifest order", "[azure]") {
  const std::string june = "exports/amortized/20240601-20240630/";
  std::vector<BlobItem> listing = {blob(june + "run-1/part_0_0001.csv.gz"), blob(june + "run-1/part_0_0002.csv.gz"),
                                   blob(june + "run-1/manifest.json"), blob(june + "run-2/part_0_0001.csv.gz"),
                                   blob(june + "run-2/manifest.json"), blob("exports/actual/20240601-20240630/r/part_0_0001.csv.gz"),
                                   blob("exports/actual/20240601-20240630/r/manifest.json"),
                                   blob("exports/amortized/20240501-20240531/run-0/part_0_0001.csv.gz"),
                                   blob("exports/amortized/20240501-20240531/run-0/manifest.json")};
  std::vector<ManifestAt> manifests = {
      {listing[2], parse_export_manifest(manifest_json("amortized", "AmortizedCost", "run-1", "2024-06-02T08:00:00Z", "2024-06-01T00:00:00", "2024-06-30T00:00:00Z",
                                                       {listing[0].name, listing[1].name}), "m1")},
      {listing[4], parse_export_manifest(manifest_json("amortized", "AmortizedCost", "run-2", "2024-06-03T08:00:00Z", "2024-06-01T00:00:00", "2024-06-30T00:00:00Z",
                                                       {listing[3].name}), "m2")},
      {listing[6], parse_export_manifest(manifest_json("actual", "ActualCost", "r", "2024-06-03T08:00:00Z", "2024-06-01T00:00:00", "2024-06-30T00:00:00Z",
                                                       {listing[5].name}), "m3")},
      {listing[8], parse_export_manifest(manifest_json("amortized", "AmortizedCost", "run-0", "2024-06-01T08:00:00Z", "2024-05-01T00:00:00", "2024-06-01T00:00:00Z",
                                                       {listing[7].name}), "m4")},
  };
  SECTION("automatic: amortized when both are there") {
    auto plan = plan_export_periods(listing, manifests, DatasetChoice::automatic);
    REQUIRE(plan.periods.size() == 2);
    CHECK(plan.periods[0].period == "2024-05");  // endDate at midnight of June 1st is exclusive
    CHECK(plan.periods[1].period == "2024-06");
    CHECK(plan.periods[1].dataset == ExportDataset::amortized);
    REQUIRE(plan.periods[1].parts.size() == 1);
    CHECK(plan.periods[1].parts[0].name == june + "run-2/part_0_0001.csv.gz");
    CHECK(plan.periods[1].version.starts_with("run-2@"));
    CHECK(plan.periods[1].error.empty());
    const std::string older = "older run " + june + "run-1/manifest.json of 2024-06 left out (a newer run exists)";
    CHECK(std::find(plan.notes.begin(), plan.notes.end(), older) != plan.notes.end());
    const std::string other = "export actual (actual cost) of 2024-06 left out: this source reads amortized cost";
    CHECK(std::find(plan.notes.begin(), plan.notes.end(), other) != plan.notes.end());
  }
  SECTION("actual, explicitly") {
    auto plan = plan_export_periods(listing, manifests, DatasetChoice::actual);
    REQUIRE(plan.periods.size() == 1);
    CHECK(plan.periods[0].parts[0].name == listing[5].name);
  }
  SECTION("a manifest naming a blob that is not there") {
    manifests[1].manifest.blobs.push_back(june + "run-2/part_0_0002.csv.gz");
    auto plan = plan_export_periods(listing, manifests, DatasetChoice::amortized);
    REQUIRE(plan.periods.size() == 2);
    CHECK(plan.periods[1].parts.size() == 2);
    CHECK(plan.periods[1].parts[1].size == -1);
    CHECK(plan.periods[1].error.find(june + "run-2/part_0_0002.csv.gz") != std::string::npos);
    CHECK(plan.periods[1].error.find("does not exist") != std::string::npos);
  }
  SECTION("Parquet is refused with the CSV option named") {
    manifests[1].manifest.file_format = "Parquet";
    auto plan = plan_export_periods(listing, manifests, DatasetChoice::amortized);
    CHECK(plan.periods[1].error.find("set the export's file format to CSV") != std::string::npos);
  }
}

TEST_CASE("Export plan: two subscriptions' exports of one month are one period, old exports without a manifest", "[azure]") {
  std::vector<BlobItem> listing = {blob("sub-a/20240601-20240630/r1/part_1.csv"), blob("sub-a/20240601-20240630/r1/manifest.json"),
                                   blob("sub-b/20240601-20240630/r9/part_1.csv"), blob("sub-b/20240601-20240630/r9/manifest.json")};
  std::vector<ManifestAt> manifests = {
      {listing[1], parse_export_manifest(manifest_json("sub-a", "ActualCost", "r1", "2024-06-03T01:00:00Z", "2024-06-01", "2024-06-30", {listing[0].name}), "a")},
      {listing[3], parse_export_manifest(manifest_json("sub-b", "ActualCost", "r9", "2024-06-03T02:00:00Z", "2024-06-01", "2024-06-30", {listing[2].name}), "b")}};
  auto plan = plan_export_periods(listing, manifests, DatasetChoice::automatic);
  REQUIRE(plan.periods.size() == 1);
  CHECK(plan.periods[0].parts.size() == 2);
  CHECK(plan.periods[0].version.find("r1@") != std::string::npos);
  CHECK(plan.periods[0].version.find("r9@") != std::string::npos);

  // Legacy exports: one whole CSV per run in the period's folder; the newest is the data.
  std::vector<BlobItem> legacy = {blob("old/daily/20240501-20240531/daily_aaaa.csv", 1717000000),
                                  blob("old/daily/20240501-20240531/daily_bbbb.csv", 1717100000),
                                  blob("old/daily/20240601-20240630/daily_cccc.csv", 1717200000)};
  auto old = plan_export_periods(legacy, {}, DatasetChoice::automatic);
  REQUIRE(old.periods.size() == 2);
  CHECK(old.periods[0].period == "2024-05");
  REQUIRE(old.periods[0].parts.size() == 1);
  CHECK(old.periods[0].parts[0].name == "old/daily/20240501-20240531/daily_bbbb.csv");
  CHECK(old.periods[1].parts[0].name == "old/daily/20240601-20240630/daily_cccc.csv");
}
