// Times each stage of cost ingestion on one file, to see where the time goes:
//   read (bytes only), csv (+ field splitting), map (+ FOCUS mapping), normalize (+ tags, team,
//   currency), and the whole ingest into a fresh database.
//   bench_ingest_stages FILE [CONFIG]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/ingest/normalizer.hpp"
#include "engine/ingest/record_reader.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using Steady = std::chrono::steady_clock;

namespace {
double since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [CONFIG]\n", argv[0]);
    return 2;
  }
  std::string path = argv[1];
  auto config = config::load(argc > 2 ? argv[2] : testing::source_path("config/costbot.example.yaml"));

  {
    auto t = Steady::now();
    auto src = ingest::open_file(path);
    std::vector<char> buf(1 << 20);
    std::size_t total = 0, n;
    while ((n = src->read(buf.data(), buf.size())) > 0) total += n;
    std::printf("read       %6.2f s  (%zu bytes)\n", since(t), total);
  }
  {
    auto t = Steady::now();
    ingest::Sha256 sha;
    auto src = ingest::open_file(path, &sha);
    std::vector<char> buf(1 << 20);
    while (src->read(buf.data(), buf.size()) > 0) {
    }
    sha.hex();
    std::printf("read+sha   %6.2f s\n", since(t));
  }
  {
    auto t = Steady::now();
    ingest::CsvReader csv(ingest::open_file(path), path);
    std::size_t rows = 0, fields = 0;
    while (csv.next()) {
      ++rows;
      fields += csv.size();
    }
    std::printf("csv        %6.2f s  (%zu records, %zu fields)\n", since(t), rows, fields);
  }
  {
    auto t = Steady::now();
    auto reader = ingest::open_cost_reader(ingest::SourceType::focus, ingest::open_file(path), path);
    std::size_t rows = 0;
    double billed = 0;
    while (reader->next()) {
      ++rows;
      billed += reader->record().billed_cost;
    }
    std::printf("map        %6.2f s  (%zu rows, billed %.2f)\n", since(t), rows, billed);
  }
  {
    auto t = Steady::now();
    auto reader = ingest::open_cost_reader(ingest::SourceType::focus, ingest::open_file(path), path);
    ingest::Normalizer normalizer(config);
    ingest::Normalized n;
    std::string error;
    std::size_t teams = 0;
    while (reader->next()) {
      auto r = reader->record();
      if (normalizer.apply(r, n, error)) teams += !n.team.empty();
    }
    std::printf("normalize  %6.2f s  (%zu rows with a team)\n", since(t), teams);
  }
  {
    testing::TempDir dir;
    auto db = storage::open_migrated(dir.file("bench.db"));
    auto t = Steady::now();
    SystemClock clock;
    auto result = ingest::ingest_file(db, config, ingest::SourceType::focus, path, clock);
    std::printf("ingest     %6.2f s  (%lld rows accepted, %s)\n", since(t), static_cast<long long>(result.rows_accepted),
                result.error.c_str());
  }
  return 0;
}
