// The last N distinct keys added, for "was this seen lately?" in bounded,
// compact memory: the keys live in a ring (the oldest is overwritten first)
// beside an open-addressed index of ring slots. Full, it holds N keys in
// about N * (sizeof(Key) + 8) bytes; node-based sets of strings took some
// 250 bytes per key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ebpfmon {

template <class Key, class Hash>
class RecentSet {
 public:
  // The ring is reserved at once, untouched: pages become resident as keys
  // arrive, and growing it never leaves freed blocks in the heap.
  explicit RecentSet(size_t capacity) : capacity_(capacity) {
    ring_.reserve(capacity);
    index_.assign(kFirstIndex, 0);
  }

  bool contains(const Key& key) const { return index_[find(key)] != 0; }

  // Adds `key` unless present, forgetting the oldest key when full.
  void insert(const Key& key) {
    if (contains(key)) return;
    if (ring_.size() < capacity_) {
      ring_.push_back(key);
      if (ring_.size() * 2 > index_.size())
        grow();
      else
        index_[find(key)] = static_cast<uint32_t>(ring_.size());
      return;
    }
    erase(find(ring_[next_]));
    ring_[next_] = key;
    index_[find(key)] = static_cast<uint32_t>(next_ + 1);
    next_ = (next_ + 1) % capacity_;
  }

  size_t size() const { return ring_.size(); }

 private:
  static constexpr size_t kFirstIndex = 1024;  // a power of two

  size_t home(const Key& key) const { return Hash{}(key) & (index_.size() - 1); }

  // The index position holding `key`, or the empty one where it would go.
  size_t find(const Key& key) const {
    const size_t mask = index_.size() - 1;
    size_t i = home(key);
    while (index_[i] != 0 && !(ring_[index_[i] - 1] == key)) i = (i + 1) & mask;
    return i;
  }

  // Linear probing has no tombstones: later keys of the same run move back
  // into the hole unless that would put them before their home position.
  void erase(size_t hole) {
    const size_t mask = index_.size() - 1;
    index_[hole] = 0;
    for (size_t j = (hole + 1) & mask; index_[j] != 0; j = (j + 1) & mask) {
      const size_t h = home(ring_[index_[j] - 1]);
      const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (stays) continue;
      index_[hole] = index_[j];
      index_[j] = 0;
      hole = j;
    }
  }

  // Doubles the index (kept at most half full) and re-adds every key.
  void grow() {
    index_.assign(index_.size() * 2, 0);
    for (size_t slot = 0; slot < ring_.size(); ++slot)
      index_[find(ring_[slot])] = static_cast<uint32_t>(slot + 1);
  }

  size_t capacity_;
  std::vector<Key> ring_;
  size_t next_ = 0;              // the oldest slot once the ring is full
  std::vector<uint32_t> index_;  // ring slot + 1; 0 is empty
};

}  // namespace ebpfmon
