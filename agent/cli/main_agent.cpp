#include "agent/cli/cli.hpp"

int main(int argc, char** argv) { return magent::cli::run(argc, argv); }
