// Whole reads and writes on a file descriptor, retried over EINTR and short
// transfers: what the program cache and the compile helper exchange.
#pragma once

#include <string>
#include <string_view>

namespace ebpfmon {

// False (errno set) when a write fails or writes nothing.
bool write_all(int fd, std::string_view bytes);
// Appends everything up to end of file; false (errno set) on a read error.
bool read_all(int fd, std::string& out);

}  // namespace ebpfmon
