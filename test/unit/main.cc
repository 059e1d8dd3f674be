#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

// The tests that load BPF programs compile them with the build tree's
// helper, unless EBPFMON_COMPILER names another.
int main(int argc, char** argv) {
  setenv("EBPFMON_COMPILER", EBPFMON_TEST_COMPILER, 0);
  return doctest::Context(argc, argv).run();
}
