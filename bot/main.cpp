#include "bot/cli/cli.hpp"
#include "engine/util/lsan_suppressions.hpp"

int main(int argc, char** argv) { return costbot::cli::main(argc, argv); }
