#include <catch2/catch.hpp>

#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/util/error.hpp"
#include "tests/support/ingest_support.hpp"

using namespace costbot;
using ingest::CsvReader;

namespace {

struct Record {
  std::int64_t line;
  std::vector<std::string> fields;
  std::vector<bool> missing;
  std::string problem;
  std::string raw;
};

std::vector<Record> read_all(const std::string& bytes) {
  CsvReader csv(ingest::open_memory(bytes), "test.csv");
  std::vector<Record> out;
  while (csv.next()) {
    Record r{csv.line(), {}, {}, csv.problem(), std::string(csv.raw())};
    for (const auto& f : csv.fields()) {
      r.fields.emplace_back(f.text);
      r.missing.push_back(f.missing());
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string gzip(const std::string& data) { return testing::gzip_bytes(data); }

}  // namespace

TEST_CASE("the CSV reader handles RFC 4180 quoting, embedded newlines and line numbers", "[ingest][csv]") {
  auto rows = read_all(
      "a,b,c\n"
      "1,\"x, with comma\",\"say \"\"hi\"\"\"\n"
      "2,\"two\nlines\",\n"
      "3,NULL,\"NULL\"\n"
      "4,\"\",plain\n");
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK(rows[1].fields == std::vector<std::string>{"1", "x, with comma", "say \"hi\""});
  CHECK(rows[2].fields == std::vector<std::string>{"2", "two\nlines", ""});
  CHECK(rows[2].line == 3);
  CHECK(rows[3].line == 5);  // the record before spans lines 3-4
  CHECK(rows[3].missing == std::vector<bool>{false, true, false});  // only the unquoted NULL is missing
  CHECK(rows[4].line == 6);
  CHECK(rows[4].missing[1]);  // empty counts as missing
  CHECK(rows[1].raw == "1,\"x, with comma\",\"say \"\"hi\"\"\"");
  for (const auto& r : rows) CHECK(r.problem.empty());
}

TEST_CASE("the CSV reader accepts CRLF, a UTF-8 BOM, blank lines and a missing final newline", "[ingest][csv]") {
  auto rows = read_all("\xEF\xBB\xBFname,value\r\n\"q\r\nx\",1\r\n\r\nlast,2");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].fields == std::vector<std::string>{"name", "value"});
  CHECK(rows[1].fields == std::vector<std::string>{"q\r\nx", "1"});
  CHECK(rows[2].fields == std::vector<std::string>{"last", "2"});
  CHECK(rows[2].line == 5);
  CHECK(rows[2].raw == "last,2");
}

TEST_CASE("FOCUS JSON tags with doubled quotes unescape to valid JSON", "[ingest][csv]") {
  auto rows = read_all("Tags\n\"{\"\"application\"\": \"\"Bright\"\"\"\"Lens\"\", \"\"env\"\": \"\"dev\"\"}\"\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].fields[0] == R"({"application": "Bright""Lens", "env": "dev"})");
}

TEST_CASE("text after a closing quote marks the record as malformed without stopping the file", "[ingest][csv]") {
  auto rows = read_all("a,b\n\"x\"y,1\n2,3\n");
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].problem == "unexpected text after the closing quote of field 1");
  CHECK(rows[2].fields == std::vector<std::string>{"2", "3"});
  CHECK(rows[2].problem.empty());
}

TEST_CASE("an unterminated quote at the end of the input is a truncated file naming the line", "[ingest][csv]") {
  CsvReader csv(ingest::open_memory("a,b\n1,2\n3,\"never closed\nmore"), "cut.csv");
  REQUIRE(csv.next());
  REQUIRE(csv.next());
  try {
    csv.next();
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "cut.csv:3: unterminated quoted field: the file ends inside it (the file is truncated or not valid CSV)");
  }
}

TEST_CASE("records that cross the read buffer and records larger than it parse intact", "[ingest][csv]") {
  std::string big_field(3u << 20, 'x');  // larger than the initial 1 MB buffer
  std::string input = "id,text\n";
  for (int i = 0; i < 20000; ++i) input += std::to_string(i) + ",\"row " + std::to_string(i) + ", \"\"quoted\"\"\n2nd line\"\n";
  input += "big,\"" + big_field + "\"\nend,1\n";
  auto rows = read_all(input);
  REQUIRE(rows.size() == 20003);
  for (int i = 0; i < 20000; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i) + 1];
    REQUIRE(r.fields[1] == "row " + std::to_string(i) + ", \"quoted\"\n2nd line");
    REQUIRE(r.line == 2 + 2 * i);
  }
  CHECK(rows[20001].fields[1] == big_field);
  CHECK(rows[20002].fields == std::vector<std::string>{"end", "1"});
  CHECK(rows[20002].line == 40003);
}

TEST_CASE("gzip input is detected by its magic bytes, including concatenated members", "[ingest][csv][gzip]") {
  std::string part1 = "a,b\n1,\"x\ny\"\n", part2 = "2,z\n";
  auto rows = read_all(gzip(part1) + gzip(part2));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].fields[1] == "x\ny");
  CHECK(rows[2].fields == std::vector<std::string>{"2", "z"});
}

TEST_CASE("a truncated or corrupt gzip stream is an error, not a short file", "[ingest][csv][gzip]") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += std::to_string(i) + ",some text to compress\n";
  auto compressed = gzip(data);
  CHECK_THROWS_WITH(read_all(compressed.substr(0, compressed.size() / 2)),
                    Catch::Contains("truncated gzip stream"));
  auto corrupt = compressed;
  corrupt[20] = static_cast<char>(corrupt[20] ^ 0x55);
  corrupt[21] = static_cast<char>(corrupt[21] ^ 0x55);
  CHECK_THROWS_WITH(read_all(corrupt), Catch::Contains("gzip"));
}
