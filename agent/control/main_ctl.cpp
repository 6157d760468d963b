#include "agent/control/migrationctl.hpp"

int main(int argc, char** argv) {
  return magent::control::run_migrationctl(argc, argv);
}
