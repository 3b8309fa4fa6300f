// SigV4 against AWS's published signing test suite (tests/fixtures/aws-sigv4, see SOURCE.md) and
// the S3 examples of the S3 API Reference ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk").
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/aws/sigv4.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

using namespace costbot;
namespace fs = std::filesystem;

namespace {

std::string read_vector_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct SuiteCase {
  aws::SigningRequest request;
  aws::Credentials credentials;
  aws::SigningOptions options;
};

// request.txt: "METHOD TARGET HTTP/1.1", "Name:value" lines (a line starting with a space
// continues the previous value), a blank line, the body.
SuiteCase load_suite_case(const fs::path& dir) {
  SuiteCase c;
  auto context = boost::json::parse(read_vector_file(dir / "context.json")).as_object();
  const auto& creds = context.at("credentials").as_object();
  c.credentials.access_key_id = creds.at("access_key_id").as_string().c_str();
  c.credentials.secret_access_key = creds.at("secret_access_key").as_string().c_str();
  if (creds.contains("token")) c.credentials.session_token = creds.at("token").as_string().c_str();
  c.options.region = context.at("region").as_string().c_str();
  c.options.service = context.at("service").as_string().c_str();
  c.options.time = *parse_instant(context.at("timestamp").as_string().c_str());
  c.options.normalize_path = context.at("normalize").as_bool();
  c.options.sign_content_sha256 = context.at("sign_body").as_bool();
  if (auto* omit = context.if_contains("omit_session_token")) c.options.sign_session_token = !omit->as_bool();

  std::string raw = read_vector_file(dir / "request.txt");
  std::size_t pos = raw.find('\n');
  std::string first = raw.substr(0, pos);
  auto sp = first.find(' ');
  std::string target = first.substr(sp + 1, first.rfind(" HTTP/") - sp - 1);
  c.request.method = first.substr(0, sp);
  auto q = target.find('?');
  c.request.path = target.substr(0, q);
  if (q != std::string::npos) c.request.query = target.substr(q + 1);
  std::string body;
  while (pos != std::string::npos && pos + 1 <= raw.size()) {
    auto next = raw.find('\n', pos + 1);
    std::string line = raw.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    if (line.empty()) {
      if (next != std::string::npos) body = raw.substr(next + 1);
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !c.request.headers.empty()) {
      c.request.headers.back().second += "\n" + line;
    } else {
      auto colon = line.find(':');
      c.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
      if (costbot::text::iequals(line.substr(0, colon), "host")) c.request.host = line.substr(colon + 1);
    }
    pos = next;
  }
  c.request.payload_sha256 = hash::sha256_hex(body);
  return c;
}

}  // namespace

TEST_CASE("SigV4 matches every case of AWS's published signing test suite", "[aws][sigv4]") {
  fs::path root = fs::path(COSTBOT_SOURCE_DIR) / "tests/fixtures/aws-sigv4";
  std::size_t cases = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    auto name = entry.path().filename().string();
    DYNAMIC_SECTION(name) {
      auto c = load_suite_case(entry.path());
      auto s = aws::sign(c.request, c.credentials, c.options);
      CHECK(s.canonical_request == read_vector_file(entry.path() / "header-canonical-request.txt"));
      CHECK(s.string_to_sign == read_vector_file(entry.path() / "header-string-to-sign.txt"));
      CHECK(s.signature == read_vector_file(entry.path() / "header-signature.txt"));
    }
    ++cases;
  }
  CHECK(cases >= 38);
}

TEST_CASE("SigV4 for S3: the S3 API Reference's GetObject and ListObjects examples", "[aws][sigv4]") {
  aws::Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", 0};
  aws::SigningOptions o;
  o.region = "us-east-1";
  o.service = "s3";
  o.time = *parse_instant("2013-05-24T00:00:00Z");
  o.style = aws::Style::s3;
  const std::string empty_hash = hash::sha256_hex("");

  aws::SigningRequest get{"GET", "examplebucket.s3.amazonaws.com", "/test.txt", "", {{"Range", "bytes=0-9"}}, empty_hash};
  auto s = aws::sign(get, creds, o);
  CHECK(hash::sha256_hex(s.canonical_request) == "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(s.headers.back().second ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

  aws::SigningRequest list{"GET", "examplebucket.s3.amazonaws.com", "/", "max-keys=2&prefix=J", {}, empty_hash};
  CHECK(aws::sign(list, creds, o).signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST_CASE("S3 object keys are encoded once, as sent", "[aws][sigv4]") {
  CHECK(aws::s3_key_path("cur/data/BILLING_PERIOD=2024-06/a b/\xC3\xBC.csv.gz") ==
        "/cur/data/BILLING_PERIOD%3D2024-06/a%20b/%C3%BC.csv.gz");
  CHECK(aws::uri_encode("a/b+c", false) == "a%2Fb%2Bc");
  CHECK(aws::amz_date(*parse_instant("2015-08-30T12:36:00Z")) == "20150830T123600Z");
}
