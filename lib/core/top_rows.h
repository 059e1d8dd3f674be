// At most `cap` rows by weight keep their own; "other" sums the rest (and
// any row already named "other"), so a node running a thousand containers
// still exposes cap + 1 series per metric family.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ebpfmon {

// Weight(const T&) -> uint64_t; Add(T& sum, const T& row). The top rows
// come first, largest first; "other" last, when there is anything in it.
template <class T, class Weight, class Add>
std::vector<std::pair<std::string, T>> top_and_other(const std::map<std::string, T>& rows,
                                                     uint32_t cap, Weight weight, Add add) {
  std::vector<std::pair<std::string, T>> ranked;
  T other{};
  bool any_other = false;
  for (const auto& [key, row] : rows) {
    if (key == "other") {
      add(other, row);
      any_other = true;
    } else {
      ranked.emplace_back(key, row);
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    return weight(a.second) > weight(b.second);
  });
  for (size_t i = cap; i < ranked.size(); ++i) {
    add(other, ranked[i].second);
    any_other = true;
  }
  if (ranked.size() > cap) ranked.resize(cap);
  if (any_other) ranked.emplace_back("other", other);
  return ranked;
}

}  // namespace ebpfmon
