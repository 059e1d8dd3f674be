// How syscallmon shows what the kernel read behind an argument: strings
// quoted as strace quotes them, socket addresses, and what an fd points to.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ebpf/syscall.h"

namespace ebpfmon {

// "text": valid UTF-8 as is, \" \\ \n \t \r and other bytes below 0x20 or
// invalid as \xNN; `cut` appends "..." after the closing quote.
std::string quoted_string(std::string_view bytes, bool cut);

// 127.0.0.1:9, [::1]:9, unix:/run/x.sock, unix:@abstract, netlink:PID, or
// "family N" for the rest; bytes as the caller passed them (len bytes).
std::string sockaddr_text(std::string_view bytes);

// What an fd pointed to: /var/log/app.log, socket:TCP 10.0.0.5:41234->1.2.3.4:443,
// pipe:[INODE], anon_inode:[eventfd]; "" when nothing was found.
// `data` is the capture's data (its first capture.len bytes).
std::string fd_target_text(const syscall_capture& capture, std::string_view data);

}  // namespace ebpfmon
