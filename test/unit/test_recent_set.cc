#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <unordered_set>

#include "core/recent_set.h"

using namespace ebpfmon;

namespace {

// A poor hash puts many keys in one probe run, which is what erase's
// backward shift must keep findable.
struct PoorHash {
  size_t operator()(uint64_t k) const { return k % 7; }
};
// The same runs across the end of the first index (1024 positions).
struct WrappingHash {
  size_t operator()(uint64_t k) const { return 1020 + k % 7; }
};

// The model: what RecentSet stands in for.
template <class Hash>
void check_against_model(size_t capacity, uint64_t key_space, int steps) {
  RecentSet<uint64_t, Hash> set(capacity);
  std::unordered_set<uint64_t> model;
  std::deque<uint64_t> order;
  std::mt19937_64 random(capacity * 31 + key_space);
  for (int step = 0; step < steps; ++step) {
    const uint64_t key = random() % key_space;
    REQUIRE(set.contains(key) == (model.count(key) > 0));
    set.insert(key);
    if (model.insert(key).second) {
      order.push_back(key);
      if (order.size() > capacity) {
        model.erase(order.front());
        order.pop_front();
      }
    }
    REQUIRE(set.size() == order.size());
  }
  for (uint64_t key = 0; key < key_space; ++key) CHECK(set.contains(key) == (model.count(key) > 0));
}

}  // namespace

TEST_CASE("RecentSet keeps exactly the latest distinct keys, oldest forgotten first") {
  RecentSet<uint64_t, std::hash<uint64_t>> set(3);
  for (uint64_t k : {1, 2, 3, 2, 1}) set.insert(k);  // re-adding is no refresh
  CHECK(set.size() == 3);
  set.insert(4);  // forgets 1, the oldest
  CHECK_FALSE(set.contains(1));
  CHECK(set.contains(2));
  CHECK(set.contains(3));
  CHECK(set.contains(4));
}

TEST_CASE("RecentSet matches a set-and-queue model through growth and eviction") {
  check_against_model<std::hash<uint64_t>>(5000, 20000, 200000);  // index grows 1024 -> 16384
  check_against_model<PoorHash>(50, 200, 20000);                  // long probe runs
  check_against_model<WrappingHash>(50, 200, 20000);
  check_against_model<PoorHash>(1, 3, 1000);
}
