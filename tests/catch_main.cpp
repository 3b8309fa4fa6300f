// Catch2's runner, compiled once and linked into every suite (it is the slowest file to compile).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "engine/util/lsan_suppressions.hpp"
