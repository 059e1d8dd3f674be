// Typed handles on a compiled program's maps (BpfProgram::map and
// percpu_map). A handle checks once, when it is made, that Key and Value
// have the sizes the map was created with: a wrong type is an error naming
// the map rather than the kernel copying past the end of a buffer. A handle
// borrows the program's fd: it must not outlive the program.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bpf/map_access.h"
#include "bpf/system.h"
#include "core/result.h"

namespace ebpfmon {

template <class Key>
class MapHandle {
 public:
  Result<std::vector<Key>> keys() const {
    std::vector<Key> keys;
    Key previous{}, next{};
    for (bool first = true;; first = false) {
      auto more = map_next_key(fd_, first ? nullptr : &previous, &next, name_);
      if (!more) return more.error();
      if (!*more) return keys;
      keys.push_back(next);
      previous = next;
    }
  }

 protected:
  static_assert(std::is_trivially_copyable_v<Key>, "map keys are copied as bytes");
  MapHandle(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  int fd_;
  std::string name_;
};

template <class Key, class Value>
class Map : public MapHandle<Key> {
 public:
  static Result<Map> open(int fd, std::string name) {
    if (auto r = map_check(fd, name, sizeof(Key), sizeof(Value), false); !r) return r.error();
    return Map(fd, std::move(name));
  }

  Result<void> update(const Key& key, const Value& value) const {
    return map_update(this->fd_, &key, &value, this->name_);
  }

  // nullopt when the key is absent.
  Result<std::optional<Value>> lookup(const Key& key) const {
    Value value{};
    auto found = map_lookup(this->fd_, &key, &value, this->name_);
    if (!found) return found.error();
    return *found ? std::optional<Value>(value) : std::nullopt;
  }

 private:
  static_assert(std::is_trivially_copyable_v<Value>, "map values are copied as bytes");
  Map(int fd, std::string name) : MapHandle<Key>(fd, std::move(name)) {}
};

// The kernel keeps one Value per possible CPU, each in a slot rounded up to
// 8 bytes; the handle packs and unpacks the slots.
template <class Key, class Value>
class PerCpuMap : public MapHandle<Key> {
 public:
  static Result<PerCpuMap> open(int fd, std::string name) {
    if (auto r = map_check(fd, name, sizeof(Key), sizeof(Value), true); !r) return r.error();
    return PerCpuMap(fd, std::move(name));
  }

  // Sets every CPU's copy.
  Result<void> update(const Key& key, const Value& value) const {
    std::vector<uint8_t> raw(cpus_ * kStride);
    for (size_t cpu = 0; cpu < cpus_; ++cpu) std::memcpy(&raw[cpu * kStride], &value, sizeof value);
    return map_update(this->fd_, &key, raw.data(), this->name_);
  }

  // One Value per possible CPU; nullopt when the key is absent.
  Result<std::optional<std::vector<Value>>> lookup(const Key& key) const {
    std::vector<uint8_t> raw(cpus_ * kStride);
    auto found = map_lookup(this->fd_, &key, raw.data(), this->name_);
    if (!found) return found.error();
    if (!*found) return std::optional<std::vector<Value>>();
    std::vector<Value> values(cpus_);
    for (size_t cpu = 0; cpu < cpus_; ++cpu)
      std::memcpy(&values[cpu], &raw[cpu * kStride], sizeof(Value));
    return std::optional<std::vector<Value>>(std::move(values));
  }

  // fn(key, its values on each CPU) for every key; a key deleted between
  // listing and reading is skipped.
  template <class Fn>
  Result<void> for_each(Fn fn) const {
    auto keys = this->keys();
    if (!keys) return keys.error();
    for (const Key& key : *keys) {
      auto values = lookup(key);
      if (!values) return values.error();
      if (*values) fn(key, **values);
    }
    return {};
  }

  // The CPUs' copies of a counter added up; 0 when the key is absent.
  Result<Value> sum(const Key& key) const {
    static_assert(std::is_arithmetic_v<Value>, "only counters add up");
    auto values = lookup(key);
    if (!values) return values.error();
    Value total{};
    if (*values)
      for (Value v : **values) total += v;
    return total;
  }

 private:
  static_assert(std::is_trivially_copyable_v<Value>, "map values are copied as bytes");
  static constexpr size_t kStride = percpu_stride(sizeof(Value));
  PerCpuMap(int fd, std::string name)
      : MapHandle<Key>(fd, std::move(name)), cpus_(static_cast<size_t>(possible_cpus())) {}
  size_t cpus_;
};

}  // namespace ebpfmon
