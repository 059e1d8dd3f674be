// The /metrics HTTP server against real sockets on loopback: the connection
// cap makes room by dropping the oldest client that has not finished its
// request, an oversized head gets 431 (414) and a close, input after the
// request does not reset the answer, and a client that arrives while every
// connection is being answered waits instead of being refused.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/metrics_server.h"

using namespace ebpfmon;

namespace {

constexpr int kCap = 32;  // metrics_server.cc's kMaxConnections

class Client {
 public:
  explicit Client(const std::string& address) {
    const size_t colon = address.rfind(':');
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const timeval timeout{10, 0};  // nothing here blocks forever
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  // All of it, or false when the server stopped taking it.
  bool send_all(const std::string& data) {
    for (size_t done = 0; done < data.size();) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // What the server sends until it closes; "" on a reset or a timeout.
  std::string answer() {
    std::string all;
    char chunk[65536];
    for (;;) {
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) return all;
      if (n < 0) return "";
      all.append(chunk, static_cast<size_t>(n));
    }
  }

  // The server has closed it: an EOF or a reset waits to be read.
  bool dropped() const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) != 1) return false;
    char c;
    return recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::unique_ptr<MetricsServer> serve(MetricsServer::Render render) {
  auto server = MetricsServer::start("127.0.0.1:0", std::move(render));
  REQUIRE(server);
  return std::move(*server);
}

MetricsServer::Render page(const std::string& text) {
  return [text](MetricsServer::Reply reply) { reply(text); };
}

std::string get(const std::string& address, const std::string& target = "/metrics") {
  Client c(address);
  if (!c.send_all("GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n")) return "";
  return c.answer();
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TEST_CASE("metrics server: at the cap the oldest client still sending its request makes room") {
  auto server = serve(page("up 1\n"));
  const std::string address = server->address();
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < kCap + 8; ++i) {
    slow.push_back(std::make_unique<Client>(address));
    REQUIRE(slow.back()->connected());
    if (i % 2 == 0) slow.back()->send_all("GET /metrics HTTP/1.1\r\nX-Slow: ");  // never ends
  }
  auto dropped = [&] {
    int n = 0;
    for (const auto& c : slow) n += c->dropped();
    return n;
  };
  CHECK(eventually([&] { return dropped() == 8; }));
  for (int i = 0; i < kCap + 8; ++i) CHECK_MESSAGE(slow[i]->dropped() == (i < 8), "client " << i);

  const std::string answer = get(address);
  CHECK(starts_with(answer, "HTTP/1.1 200 OK\r\n"));
  CHECK(ends_with(answer, "\r\n\r\nup 1\n"));
  CHECK(slow[8]->dropped());  // the oldest of those left went for it
  CHECK(!slow[9]->dropped());
  CHECK(dropped() == 9);
}

TEST_CASE("metrics server: an oversized request head gets 431 (414) and a close") {
  auto server = serve(page("up 1\n"));
  const std::string address = server->address();
  {
    Client c(address);
    CHECK(c.send_all("GET /metrics HTTP/1.1\r\nX-Big: " + std::string(4 << 20, 'a') +
                     "\r\n\r\n"));  // the server reads and drops what it will not keep
    const std::string answer = c.answer();
    CHECK(starts_with(answer, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    CHECK(answer.find("\r\nConnection: close\r\n") != std::string::npos);
  }
  {
    Client c(address);
    CHECK(c.send_all("GET /" + std::string(16384, 'a')));
    CHECK(starts_with(c.answer(), "HTTP/1.1 414 URI Too Long\r\n"));
  }
  {
    Client c(address);  // a head that fits is fine
    CHECK(c.send_all("GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(6000, 'a') + "\r\n\r\n"));
    CHECK(starts_with(c.answer(), "HTTP/1.1 200 OK\r\n"));
  }
  CHECK(starts_with(get(address, "/nope"), "HTTP/1.1 404 Not Found\r\n"));
  {
    Client c(address);
    CHECK(c.send_all("hello\r\n\r\n"));
    CHECK(starts_with(c.answer(), "HTTP/1.1 400 Bad Request\r\n"));
  }
  CHECK(starts_with(get(address), "HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("metrics server: what the client sends after its request does not reset the answer") {
  const std::string text(200000, '#');
  auto server = serve(page(text));
  Client c(server->address());
  CHECK(c.send_all("GET /metrics HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" +
                   std::string(1000000, 'b')));
  CHECK(ends_with(c.answer(), "\r\n\r\n" + text));
}

TEST_CASE("metrics server: a client that comes while every connection is answered waits") {
  std::mutex mutex;
  std::vector<MetricsServer::Reply> held;
  auto server = serve([&](MetricsServer::Reply reply) {
    std::lock_guard<std::mutex> lock(mutex);
    held.push_back(std::move(reply));
  });
  auto pending = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return held.size();
  };
  auto answer_all = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& reply : held) reply("up 1\n");
    held.clear();
  };
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kCap + 1; ++i) {
    clients.push_back(std::make_unique<Client>(server->address()));
    CHECK(clients.back()->send_all("GET /metrics HTTP/1.1\r\n\r\n"));
  }
  CHECK(eventually([&] { return pending() == kCap; }));
  for (const auto& c : clients) CHECK(!c->dropped());  // the last one is not refused
  answer_all();
  CHECK(eventually([&] { return pending() == 1; }));  // a slot freed: its turn
  answer_all();
  for (const auto& c : clients) CHECK(ends_with(c->answer(), "\r\n\r\nup 1\n"));
}
