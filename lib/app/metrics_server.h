// `--metrics ADDR:PORT`: Prometheus scrapes /metrics over HTTP. The server
// runs Boost.Asio on a thread of its own; the page itself is rendered by
// whoever owns the monitors, on their thread, through `Render`.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace ebpfmon {

class MetricsServer {
 public:
  // Called on the server's thread for each scrape; must call `reply` exactly
  // once with the page (from any thread). `reply` does nothing once the
  // server is gone.
  using Reply = std::function<void(std::string page)>;
  using Render = std::function<void(Reply reply)>;

  // Binds `listen` (core/listen_address.h) and starts serving. A bad address
  // is a usage error; a failed bind a runtime one.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& listen, Render render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Where it listens, with the port actually bound: "127.0.0.1:9464".
  std::string address() const;

 private:
  struct State;
  explicit MetricsServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ebpfmon
