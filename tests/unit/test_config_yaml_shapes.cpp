#include <catch2/catch.hpp>

#include "engine/config/config.hpp"

using namespace costbot;

// Found by fuzz_config_loader: YAML allows lists, mappings and null as mapping keys.
TEST_CASE("a config key that is not a plain name is reported with its path, not thrown", "[config]") {
  std::string yaml = "? [a, b]\n: 1\ncurrency:\n  rates:\n    ? {x: 1}\n    : 2\n";
  config::Issues issues;
  REQUIRE_NOTHROW(issues = config::check_text(yaml));
  CHECK_THAT(issues.to_string(), Catch::Contains("currency.rates: a key must be a plain name, got a mapping"));
  CHECK_THAT(issues.to_string(), Catch::Contains("a key must be a plain name, got a list"));
  std::string fuzzed = "? \xff\xff\xff \r" "x: am 'n\ne  s    typ\n";
  CHECK_NOTHROW(config::check_text(fuzzed));
}
