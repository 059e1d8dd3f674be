// syscallmon's arguments as the kernel's records arrive: which arguments the
// kernel is asked to read, and how registers and captures read back (strace's
// text for CSV, an object for JSON), from records built here whose every byte
// the test chose.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "monitors/syscall_arg_text.h"
#include "monitors/syscall_args.h"

using namespace ebpfmon;

namespace {

const SyscallArgTable& table() {
  static const SyscallArgTable t{SyscallSignatures::load("")};  // the built-in table
  return t;
}

// A kernel record: the event, then each capture with its data area.
class Record {
 public:
  Record(int nr, std::vector<uint64_t> args, int64_t ret) {
    e_.nr = nr;
    e_.ret = ret;
    for (size_t i = 0; i < args.size(); ++i) e_.args[i] = args[i];
  }
  syscall_capture& capture(uint8_t arg, uint8_t found, std::string data) {
    syscall_capture c{};
    c.arg = arg;
    c.found = found;
    c.len = static_cast<uint32_t>(data.size());
    captures_.push_back(c);
    data_.push_back(std::move(data));
    e_.captures = static_cast<uint8_t>(captures_.size());
    return captures_.back();
  }
  // The bytes after the event: each capture's header, its data, zeros to 8.
  std::string captures() const {
    std::string area;
    for (size_t i = 0; i < captures_.size(); ++i) append_capture(area, captures_[i], data_[i]);
    return area;
  }
  std::optional<RenderedArgs> render_bytes(std::string_view captures) const {
    return table().render(e_, captures);
  }
  RenderedArgs render() const {
    std::optional<RenderedArgs> out = render_bytes(captures());
    REQUIRE(out);
    return *out;
  }

 private:
  syscall_event e_{};
  std::vector<syscall_capture> captures_;
  std::vector<std::string> data_;
};

const Value& arg(const RenderedArgs& r, const std::string& name) {
  for (const auto& [key, value] : r.args.fields)
    if (key == name) return value;
  static const Value none = NoValue{};
  return none;
}

std::string bytes_of(const void* p, size_t n) {
  return std::string(static_cast<const char*>(p), n);
}

}  // namespace

TEST_CASE("the kernel reads strings and addresses first, then fds, then a returned fd") {
  syscall_class c{};
  table().set_captures(SYS_openat, c);
  CHECK(c.capture_kind[0] == SYSCALL_CAPTURE_STRING);
  CHECK(c.capture_arg[0] == 1);  // filename
  CHECK(c.capture_kind[1] == SYSCALL_CAPTURE_FD);
  CHECK(c.capture_arg[1] == 0);  // dfd
  CHECK(c.capture_kind[2] == SYSCALL_CAPTURE_FD);
  CHECK(c.capture_arg[2] == SYSCALL_ARG_RET);
  CHECK(c.capture_kind[3] == SYSCALL_CAPTURE_NONE);

  table().set_captures(SYS_connect, c);
  CHECK(c.capture_kind[0] == SYSCALL_CAPTURE_SOCKADDR);
  CHECK(c.capture_arg[0] == 1);
  CHECK(c.capture_kind[1] == SYSCALL_CAPTURE_FD);

  table().set_captures(SYS_accept4, c);  // its sockaddr is an output: never read
  CHECK(c.capture_kind[0] == SYSCALL_CAPTURE_FD);
  CHECK(c.capture_arg[1] == SYSCALL_ARG_RET);

  table().set_captures(SYS_read, c);  // the buffer is an output
  CHECK(c.capture_kind[0] == SYSCALL_CAPTURE_FD);
  CHECK(c.capture_kind[1] == SYSCALL_CAPTURE_NONE);

  table().set_captures(SYS_close, c);  // at exit the fd is gone: read at entry
  CHECK(c.capture_kind[0] == SYSCALL_CAPTURE_FD_AT_ENTER);
  CHECK(c.capture_arg[0] == 0);
  CHECK(c.capture_kind[1] == SYSCALL_CAPTURE_NONE);

  table().set_captures(SYS_execve, c);
  CHECK(c.replaces_image == 1);
  table().set_captures(SYS_getppid, c);
  CHECK(c.capture_kind[0] == SYSCALL_CAPTURE_NONE);
}

TEST_CASE("openat: named flags, a quoted path, the returned fd's target") {
  Record r(SYS_openat, {static_cast<uint64_t>(-100), 0x7ffd0000, O_RDONLY | O_CLOEXEC, 0}, 3);
  r.capture(1, SYSCALL_FOUND_STRING, "/srv/app/conf.d/\xc3\xbc.toml");
  r.capture(0, SYSCALL_FOUND_NOTHING, "");
  // The kernel's names of /srv/app/x, last first, each with its NUL.
  r.capture(SYSCALL_ARG_RET, SYSCALL_FOUND_PATH, std::string("x\0app\0srv\0", 10));
  const RenderedArgs out = r.render();
  CHECK(out.args.text == "AT_FDCWD, \"/srv/app/conf.d/\xc3\xbc.toml\", O_RDONLY|O_CLOEXEC, 000");
  CHECK(std::get<std::string>(arg(out, "dfd")) == "AT_FDCWD");
  CHECK(std::get<std::string>(arg(out, "filename")) == "/srv/app/conf.d/\xc3\xbc.toml");
  CHECK(std::get<std::string>(arg(out, "flags")) == "O_RDONLY|O_CLOEXEC");
  CHECK(out.ret_target == "/srv/app/x");
  CHECK(out.truncated == 0);
}

TEST_CASE("captures are packed: data padded to 8, a record cut short is refused") {
  Record r(SYS_renameat2,
           {static_cast<uint64_t>(-100), 0x1000, static_cast<uint64_t>(-100), 0x2000, 0}, 0);
  r.capture(1, SYSCALL_FOUND_STRING, "/a/old");  // 6 bytes: 2 of padding follow
  r.capture(3, SYSCALL_FOUND_STRING, "/a/new-name");
  const std::string bytes = r.captures();
  CHECK(bytes.size() == 2 * sizeof(syscall_capture) + 8 + 16);
  const std::optional<RenderedArgs> whole = r.render_bytes(bytes);
  REQUIRE(whole);
  CHECK(whole->args.text == "AT_FDCWD, \"/a/old\", AT_FDCWD, \"/a/new-name\", 0");
  // The kernel's perf buffer pads a record: bytes after the last capture are ignored.
  CHECK(r.render_bytes(bytes + std::string(4, '\xee')));
  CHECK_FALSE(r.render_bytes(std::string_view(bytes).substr(0, bytes.size() - 1)));
  CHECK_FALSE(r.render_bytes(std::string_view(bytes).substr(0, sizeof(syscall_capture) + 8)));
}

TEST_CASE("a string cut at --string-bytes, with bytes that are not UTF-8") {
  Record r(SYS_openat, {static_cast<uint64_t>(-100), 1, O_WRONLY, 0}, -2);
  r.capture(1, SYSCALL_FOUND_STRING, "a\"b\\c\nd\xff").flags = SYSCALL_CAPTURE_CUT;
  const RenderedArgs out = r.render();
  CHECK(out.args.text == "AT_FDCWD, \"a\\\"b\\\\c\\nd\\xff\"..., O_WRONLY, 000");
  CHECK(out.truncated == 1);
  CHECK(out.ret_target.empty());  // an error returns no fd
}

TEST_CASE("connect: the address read, the fd's socket") {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(9);
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  Record r(SYS_connect, {5, 0x1000, sizeof in}, -ECONNREFUSED);
  r.capture(1, SYSCALL_FOUND_BYTES, bytes_of(&in, sizeof in));
  syscall_capture& s = r.capture(0, SYSCALL_FOUND_SOCKET, "");
  s.family = AF_INET;
  s.type = SOCK_STREAM;
  s.protocol = IPPROTO_TCP;
  s.sport = 41234;
  s.dport = 9;
  inet_pton(AF_INET, "10.0.0.5", s.saddr);
  inet_pton(AF_INET, "127.0.0.1", s.daddr);
  const RenderedArgs out = r.render();
  CHECK(out.args.text == "5<socket:TCP 10.0.0.5:41234->127.0.0.1:9>, 127.0.0.1:9, 16");
  CHECK(std::get<int64_t>(arg(out, "fd")) == 5);
  CHECK(std::get<std::string>(arg(out, "fd_target")) == "socket:TCP 10.0.0.5:41234->127.0.0.1:9");
  CHECK(std::get<std::string>(arg(out, "uservaddr")) == "127.0.0.1:9");
}

TEST_CASE("socket addresses by family") {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  inet_pton(AF_INET6, "::1", &in6.sin6_addr);
  CHECK(sockaddr_text(bytes_of(&in6, sizeof in6)) == "[::1]:443");
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/run/x.sock");
  CHECK(sockaddr_text(bytes_of(&un, offsetof(sockaddr_un, sun_path) + 12)) == "unix:/run/x.sock");
  un.sun_path[0] = '\0';  // abstract: @ and the rest of the name
  CHECK(sockaddr_text(bytes_of(&un, offsetof(sockaddr_un, sun_path) + 11)) == "unix:@run/x.sock");
  sockaddr_nl nl{};
  nl.nl_family = AF_NETLINK;
  nl.nl_pid = 1234;
  CHECK(sockaddr_text(bytes_of(&nl, sizeof nl)) == "netlink:1234");
}

TEST_CASE("fd targets: pipes, anon inodes, unix sockets, deleted and cut paths") {
  syscall_capture c{};
  c.found = SYSCALL_FOUND_PSEUDO;
  c.magic = PIPEFS_MAGIC;
  c.ino = 4242;
  CHECK(fd_target_text(c, "") == "pipe:[4242]");
  c.magic = ANON_INODE_FS_MAGIC;
  CHECK(fd_target_text(c, "[eventfd]") == "anon_inode:[eventfd]");
  c = syscall_capture{};
  c.found = SYSCALL_FOUND_SOCKET;
  c.family = AF_UNIX;
  c.type = SOCK_STREAM;
  c.ino = 77;
  CHECK(fd_target_text(c, "/run/x.sock") == "socket:UNIX-STREAM /run/x.sock");
  CHECK(fd_target_text(c, "") == "socket:UNIX-STREAM:[77]");
  c.family = AF_INET6;
  c.protocol = IPPROTO_UDP;
  c.sport = 53;
  inet_pton(AF_INET6, "::1", c.saddr);
  CHECK(fd_target_text(c, "") == "socket:UDPv6 [::1]:53");
  c = syscall_capture{};
  c.found = SYSCALL_FOUND_PATH;
  c.flags = SYSCALL_CAPTURE_DELETED;
  CHECK(fd_target_text(c, std::string("log\0tmp\0", 8)) == "/tmp/log (deleted)");
  c.flags = SYSCALL_CAPTURE_CUT;
  CHECK(fd_target_text(c, std::string("log\0", 4)) == ".../log");
}

TEST_CASE("integers by their C type; pointers in hex; registers' upper halves ignored for ints") {
  // lseek(int fd, off_t offset, unsigned int whence)
  Record r(SYS_lseek, {0xffffffff00000003ull, static_cast<uint64_t>(-5), 2}, 0);
  const RenderedArgs out = r.render();
  CHECK(out.args.text == "3, -5, SEEK_END");
  Record read(SYS_read, {4, 0x7ffc1000, 4096}, 10);
  CHECK(read.render().args.text == "4, 0x7ffc1000, 4096");
  Record none(SYS_read, {4, 0, 4096}, 10);
  CHECK(none.render().args.text == "4, NULL, 4096");
}
