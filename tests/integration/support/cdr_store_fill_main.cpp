// cdr_store_fill PATH COUNT [FIRST [BATCH]]: writes filled_cdr(FIRST ..
// FIRST+COUNT-1) into the store at PATH (support/cdr_fill.hpp), BATCH per
// transaction, then prints "filled COUNT". For cdr-query's tests (a writer
// running beside a reader) and scripts/bench-cdr-export.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "support/cdr_fill.hpp"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: cdr_store_fill PATH COUNT [FIRST [BATCH]]\n");
    return 2;
  }
  const int count = std::atoi(argv[2]);
  const int first = argc > 3 ? std::atoi(argv[3]) : 0;
  const int batch = argc > 4 ? std::atoi(argv[4]) : 10000;
  if (count < 0 || first < 0 || batch < 1) {
    std::fprintf(stderr, "cdr_store_fill: bad numbers\n");
    return 2;
  }
  try {
    sipsmith::itest::fill_cdrs(argv[1], first, count, batch);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cdr_store_fill: %s\n", e.what());
    return 1;
  }
  std::printf("filled %d\n", count);
  return 0;
}
