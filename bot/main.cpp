#include "bot/cli/cli.hpp"

int main(int argc, char** argv) { return costbot::cli::main(argc, argv); }
