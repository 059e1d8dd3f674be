#include "core/event.h"

namespace ebpfmon {

size_t Schema::index_of(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return i;
  return fields.size();
}

}  // namespace ebpfmon
