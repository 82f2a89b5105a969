// choose_main CATALOG TRACES: prints the first layer's multiplier.
#include <iostream>

#include "choose.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: choose_main CATALOG|builtin TRACES\n";
    return 2;
  }
  absl::StatusOr<std::string> line = ChooseFirstLayer(argv[1], argv[2]);
  if (!line.ok()) {
    std::cerr << "error: " << line.status().message() << "\n";
    return 1;
  }
  std::cout << *line << "\n";
  return 0;
}
