#include "app/metrics_server.h"

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <list>
#include <optional>
#include <thread>

#include "core/listen_address.h"
#include "sinks/prometheus_text.h"

namespace ebpfmon {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// The request line and headers together; a longer head is answered 431 (or
// 414 when the request line alone does not fit) without reading it all.
constexpr size_t kMaxRequestBytes = 8192;
constexpr size_t kMaxConnections = 32;
// A client that has not sent its request, or not read the page, by then is
// dropped, so a stuck scraper cannot hold sockets forever.
constexpr auto kConnectionTimeout = std::chrono::seconds(10);
// After the answer the server half-closes and reads (and discards) what the
// client still sends until it closes, so that unread input does not turn the
// close into a reset that destroys the answer; at most this long.
constexpr auto kLinger = std::chrono::seconds(2);

class Connection;

// What the connections share, all used on the server's thread only.
struct Hub {
  explicit Hub(MetricsServer::Render r) : render(std::move(r)) {}
  MetricsServer::Render render;
  // Open connections, oldest first: at the cap the oldest idle one makes room.
  std::list<Connection*> open;
  // Called when a connection closes or its answer is written: room, maybe,
  // for one waiting to be admitted.
  std::function<void()> changed;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Hub& hub)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), hub_(hub) {
    slot_ = hub_.open.insert(hub_.open.end(), this);
  }
  ~Connection() {
    if (!closed_) hub_.open.erase(slot_);
  }

  void start() {
    timer_.expires_after(kConnectionTimeout);
    wait_for_timer();
    asio::async_read_until(socket_, asio::dynamic_buffer(request_, kMaxRequestBytes), "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             if (ec == asio::error::not_found) return self->too_large();
                             if (ec) return self->close();
                             self->handle_request();
                           });
  }

  // What may go to make room: first one still reading its request (a
  // slowloris or an idle client), then one that has its answer and only waits
  // for the client to close. Never one whose request is being answered.
  bool reading() const { return phase_ == Phase::kReading; }
  bool answered() const { return phase_ == Phase::kLingering; }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
    hub_.open.erase(slot_);
    hub_.changed();
  }

 private:
  enum class Phase { kReading, kRendering, kWriting, kLingering };

  void wait_for_timer() {
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->close();
    });
  }

  void too_large() {
    if (request_.find("\r\n") == std::string::npos)
      return respond("414 URI Too Long", "text/plain", "request line too long\n");
    respond("431 Request Header Fields Too Large", "text/plain", "request header too large\n");
  }

  void handle_request() {
    const std::string line = request_.substr(0, request_.find("\r\n"));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos)
      return respond("400 Bad Request", "text/plain", "bad request\n");
    const std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    head_only_ = method == "HEAD";
    if (method != "GET" && !head_only_)
      return respond("405 Method Not Allowed", "text/plain", "only GET and HEAD\n");
    if (target == "/")
      return respond("200 OK", "text/html",
                     "<html><body><a href=\"/metrics\">ebpfmon metrics</a></body></html>\n");
    if (target != "/metrics") return respond("404 Not Found", "text/plain", "try /metrics\n");
    phase_ = Phase::kRendering;
    std::weak_ptr<Connection> weak = shared_from_this();
    hub_.render([weak](std::string page) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->socket_.get_executor(), [self, page = std::move(page)] {
        self->respond("200 OK", kPrometheusContentType, page);
      });
    });
  }

  void respond(const char* status, const char* type, const std::string& body) {
    if (closed_) return;
    phase_ = Phase::kWriting;
    response_ = std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
                "\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n";
    if (!head_only_) response_ += body;
    asio::async_write(socket_, asio::buffer(response_),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec) return self->close();
                        self->linger();
                      });
  }

  void linger() {
    if (closed_) return;
    phase_ = Phase::kLingering;
    response_.clear();
    response_.shrink_to_fit();
    request_.clear();
    request_.shrink_to_fit();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    const auto until = std::min(timer_.expiry(), asio::steady_timer::clock_type::now() + kLinger);
    timer_.expires_at(until);  // the pending wait ends with operation_aborted
    wait_for_timer();
    drain();
    hub_.changed();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t) {
                              if (ec) return self->close();  // EOF: the client has closed
                              self->drain();
                            });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  Hub& hub_;
  std::list<Connection*>::iterator slot_;
  Phase phase_ = Phase::kReading;
  bool closed_ = false;
  bool head_only_ = false;
  std::string request_;
  std::string response_;
  std::array<char, 4096> discard_;
};

}  // namespace

struct MetricsServer::State {
  explicit State(Render r) : hub(std::move(r)) {
    hub.changed = [this] { admit(); };
  }

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {  // out of fds, say: try again later rather than spin
        retry.expires_after(std::chrono::milliseconds(200));
        retry.async_wait([this](boost::system::error_code e) {
          if (!e) accept();
        });
        return;
      }
      waiting = std::move(socket);
      admit();
    });
  }

  // Serves the connection just accepted. At the cap the oldest idle one
  // (Connection::reading, then Connection::answered) is closed to make room,
  // so slow or idle clients cannot lock scrapes out. If every connection is
  // busy answering a request, the new one waits unread (and nothing more is
  // accepted: the kernel's backlog holds the rest) until one is done.
  void admit() {
    if (!waiting) return;
    Connection* victim = nullptr;
    if (hub.open.size() >= kMaxConnections) {
      victim = oldest([](const Connection* c) { return c->reading(); });
      if (!victim) victim = oldest([](const Connection* c) { return c->answered(); });
      if (!victim) return;
    }
    tcp::socket socket = std::move(*waiting);
    waiting.reset();
    if (victim) victim->close();  // calls admit() again, which finds nothing waiting
    std::make_shared<Connection>(std::move(socket), hub)->start();
    accept();
  }

  template <typename Predicate>
  Connection* oldest(Predicate predicate) const {
    auto it = std::find_if(hub.open.begin(), hub.open.end(), predicate);
    return it == hub.open.end() ? nullptr : *it;
  }

  // Connections refer to `hub`; the io_context destroys the pending ones, so
  // it is declared (and destroyed) after it.
  Hub hub;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  std::optional<tcp::socket> waiting;  // accepted, not yet admitted
  std::thread thread;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& listen,
                                                            Render render) {
  auto parsed = parse_listen_address(listen);
  if (!parsed) return parsed.error();
  auto state = std::make_unique<State>(std::move(render));
  const tcp::endpoint endpoint(asio::ip::make_address(parsed->host), parsed->port);
  boost::system::error_code ec;
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error::runtime("metrics: cannot listen on " + listen + ": " + ec.message());
  state->accept();
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(state)));
}

MetricsServer::MetricsServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

MetricsServer::~MetricsServer() {
  state_->io.stop();
  state_->thread.join();
}

std::string MetricsServer::address() const {
  boost::system::error_code ec;
  const tcp::endpoint endpoint = state_->acceptor.local_endpoint(ec);
  const auto host = endpoint.address();
  return (host.is_v6() ? "[" + host.to_string() + "]" : host.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace ebpfmon
