// The Blob client against Azurite (which verifies Shared Key signatures itself) and, for Entra
// bearer access, against a loopback Blob stand-in that checks the token FakeEntra issued.
#include <catch2/catch.hpp>

#include "adapters/azure/blob_client.hpp"
#include "adapters/identity/entra.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/azurite.hpp"
#include "tests/support/fake_identity.hpp"
#include "tests/support/test_clock.hpp"

using namespace costbot;
using namespace costbot::azure;
using testing::Azurite;

namespace {

template <class F>
http::RemoteError remote_error_of(F&& f) {
  try {
    f();
  } catch (const http::RemoteError& e) {
    return e;
  }
  FAIL("no RemoteError thrown");
  throw std::logic_error("unreachable");
}

BlobAuth key_auth(const std::string& key) {
  BlobAuth a;
  a.kind = BlobAuthKind::shared_key;
  a.account_key = key;
  return a;
}

}  // namespace

TEST_CASE("Azurite refuses a wrong account key and lists with the right one", "[azure-blob]") {
  auto& az = Azurite::shared();
  auto container = az.new_container();
  az.create_container(container);
  az.put_blob(container, "exports/a.csv", "x,y\n1,2\n");
  http::Client http;
  SystemClock clock;

  BlobClient right(http, az.blob_endpoint(), az.account(), key_auth(az.key()), clock);
  auto listed = right.list_all(container, "exports/");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "exports/a.csv");
  CHECK(listed[0].size == 8);
  CHECK_FALSE(listed[0].etag.empty());

  // A well-formed key that is not the account's: Azurite itself rejects the signature.
  BlobClient wrong(http, az.blob_endpoint(), az.account(), key_auth(hash::base64_encode(std::string(64, 'k'))), clock);
  auto e = remote_error_of([&] { wrong.list_all(container, "exports/"); });
  CHECK(e.kind() == ErrorKind::forbidden);
  CHECK_FALSE(e.retryable());
  CHECK(std::string(e.what()).find("the account key of devstoreaccount1 is wrong") != std::string::npos);
  CHECK(std::string(e.what()).find(container) != std::string::npos);
}

TEST_CASE("Blob listing follows NextMarker across pages, names with spaces and UTF-8 included", "[azure-blob]") {
  auto& az = Azurite::shared();
  auto container = az.new_container();
  az.create_container(container);
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) names.push_back("exp/2024 06/part " + std::to_string(i) + " \xC3\xBC.csv");
  for (const auto& n : names) az.put_blob(container, n, "a\n");
  az.put_blob(container, "elsewhere/x.csv", "b\n");
  http::Client http;
  SystemClock clock;
  BlobClient client(http, az.blob_endpoint(), az.account(), key_auth(az.key()), clock);

  auto first = client.list_page(container, "exp/", "", 3);
  CHECK(first.blobs.size() == 3);
  CHECK_FALSE(first.next_marker.empty());
  auto second = client.list_page(container, "exp/", first.next_marker, 3);
  CHECK(second.blobs.size() == 3);
  CHECK(second.blobs[0].name == names[3]);

  std::size_t before = client.requests();
  auto all = client.list_all(container, "exp/");
  REQUIRE(all.size() == 7);
  for (std::size_t i = 0; i < 7; ++i) CHECK(all[i].name == names[i]);
  CHECK(client.requests() - before == 1);  // 5000 per page by default

  // And a blob with such a name reads back (the encoded path was signed as sent).
  auto chunk = client.read_range(container, names[6], 0, 100);
  CHECK(chunk.bytes == "a\n");
  CHECK(chunk.total_size == 2);
}

TEST_CASE("Blob ranges read a blob in pieces, a blob replaced mid-read is caught by If-Match", "[azure-blob]") {
  auto& az = Azurite::shared();
  auto container = az.new_container();
  az.create_container(container);
  std::string content;
  for (int i = 0; i < 1000; ++i) content += "row-" + std::to_string(i) + "\n";
  az.put_blob(container, "big.csv", content);
  http::Client http;
  SystemClock clock;
  BlobClient client(http, az.blob_endpoint(), az.account(), key_auth(az.key()), clock);

  auto a = client.read_range(container, "big.csv", 0, 1000);
  CHECK(a.bytes == content.substr(0, 1000));
  CHECK(a.total_size == static_cast<std::int64_t>(content.size()));
  auto b = client.read_range(container, "big.csv", 1000, 100000, a.etag);
  CHECK(a.bytes + b.bytes == content);

  az.put_blob(container, "big.csv", "rewritten\n");  // the export ran again meanwhile
  auto e = remote_error_of([&] { client.read_range(container, "big.csv", 1000, 1000, a.etag); });
  CHECK(e.retryable());
  CHECK(std::string(e.what()).find("changed while it was being read") != std::string::npos);

  auto missing = remote_error_of([&] { client.read_range(container, "nope.csv", 0, 10); });
  CHECK(missing.kind() == ErrorKind::not_found);
  CHECK(std::string(missing.what()).find(container + "/nope.csv") != std::string::npos);
  CHECK(std::string(missing.what()).find("the blob does not exist") != std::string::npos);
  auto no_container = remote_error_of([&] { client.list_all("no-such-container", ""); });
  CHECK(std::string(no_container.what()).find("the container does not exist") != std::string::npos);
}

TEST_CASE("Blob with an Entra bearer token: the token's audience is Storage, a missing data role is named", "[azure-blob]") {
  testing::TestClock clock(1717200000);
  testing::FakeEntra entra(clock);
  testing::EntraApp app;
  app.tenant_id = "contoso";
  app.client_id = "reader-app";
  app.secrets = {{"reader-secret-1", clock.now() + 86400}};
  entra.add_app(app);
  app.client_id = "no-role-app";
  app.secrets = {{"no-role-secret-1", clock.now() + 86400}};
  entra.add_app(app);

  // A Blob service stand-in: checks the bearer like Storage does, and the data-plane role.
  testing::FakeHttpServer blob;
  blob.otherwise([&](const testing::RecordedRequest& r) {
    if (r.header("x-ms-version").empty()) return testing::ScriptedResponse::text(400, "missing x-ms-version");
    auto check = entra.check_bearer(r.header("authorization"), "https://storage.azure.com/.default");
    if (!check)
      return testing::ScriptedResponse::text(401, "<Error><Code>InvalidAuthenticationInfo</Code><Message>" + check.reason + "</Message></Error>")
          .header("x-ms-error-code", "InvalidAuthenticationInfo");
    if (check.token->issued_to != "reader-app")
      return testing::ScriptedResponse::text(403, "<Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.</Message></Error>")
          .header("x-ms-error-code", "AuthorizationPermissionMismatch");
    return testing::ScriptedResponse::text(200, "<EnumerationResults><Blobs><Blob><Name>x.csv</Name><Properties><Etag>0x1</Etag><Content-Length>3</Content-Length></Properties></Blob></Blobs><NextMarker/></EnumerationResults>");
  });

  http::Client http;
  auto credential = [&](const std::string& id, const std::string& secret) {
    identity::EntraOptions o;
    o.authority_host = entra.authority();
    o.tenant_id = "contoso";
    o.client_id = id;
    o.client_secret = secret;
    return std::make_unique<identity::EntraCredential>(http, identity::resolve_entra_options(o, [](const std::string&) { return std::string(); }), clock);
  };
  auto reader = credential("reader-app", "reader-secret-1");
  BlobAuth auth;
  auth.kind = BlobAuthKind::bearer;
  auth.entra = reader.get();
  BlobClient client(http, blob.url() + "/devstoreaccount1", "devstoreaccount1", auth, clock);
  CHECK(client.list_all("billing", "").size() == 1);

  auto other = credential("no-role-app", "no-role-secret-1");
  auth.entra = other.get();
  BlobClient denied(http, blob.url() + "/devstoreaccount1", "devstoreaccount1", auth, clock);
  auto e = remote_error_of([&] { denied.list_all("billing", ""); });
  CHECK(e.kind() == ErrorKind::forbidden);
  CHECK(std::string(e.what()).find("Storage Blob Data Reader") != std::string::npos);
}
