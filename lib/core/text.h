// Showing user input inside one-line messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ebpfmon {

// 'value' in single quotes, control bytes as \xNN (so a multi-line value
// cannot break the line or the terminal), cut with "..." past max_shown bytes.
std::string quote_for_message(std::string_view s, size_t max_shown = 80);

}  // namespace ebpfmon
