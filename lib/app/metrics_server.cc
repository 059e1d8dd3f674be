#include "app/metrics_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <thread>

#include "core/listen_address.h"
#include "sinks/prometheus_text.h"

namespace ebpfmon {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxRequestBytes = 8192;
constexpr int kMaxConnections = 32;
// A client that has not sent its request, or not read the page, by then is
// dropped, so a stuck scraper cannot hold sockets forever.
constexpr auto kConnectionTimeout = std::chrono::seconds(10);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const MetricsServer::Render& render, std::atomic<int>& open)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), render_(render), open_(open) {
    ++open_;
  }
  ~Connection() { --open_; }

  void start() {
    timer_.expires_after(kConnectionTimeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->close();
    });
    asio::async_read_until(socket_, asio::dynamic_buffer(request_, kMaxRequestBytes), "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             if (ec) return self->close();
                             self->handle_request();
                           });
  }

 private:
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
    std::weak_ptr<Connection> weak = shared_from_this();
    render_([weak](std::string page) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->socket_.get_executor(), [self, page = std::move(page)] {
        self->respond("200 OK", kPrometheusContentType, page);
      });
    });
  }

  void respond(const char* status, const char* type, const std::string& body) {
    response_ = std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
                "\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n";
    if (!head_only_) response_ += body;
    asio::async_write(
        socket_, asio::buffer(response_),
        [self = shared_from_this()](boost::system::error_code, size_t) { self->close(); });
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const MetricsServer::Render& render_;
  std::atomic<int>& open_;
  std::string request_;
  std::string response_;
  bool head_only_ = false;
};

}  // namespace

struct MetricsServer::State {
  explicit State(Render r) : render(std::move(r)) {}

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
      if (open_connections < kMaxConnections)
        std::make_shared<Connection>(std::move(socket), render, open_connections)->start();
      accept();
    });
  }

  // Connections refer to `render` and `open_connections`; the io_context
  // destroys the pending ones, so it is declared (and destroyed) after them.
  Render render;
  std::atomic<int> open_connections{0};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
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
