// netmon: every TCP connection with its process, container, addresses,
// bytes and lifetime, from tracepoints alone.
#include "app/monitor_tool.h"

int main(int argc, char** argv) {
  return ebpfmon::run_monitor_tool(
      argc, argv,
      {"netmon",
       "netmon [OPTIONS]",
       "Trace every TCP connection: one event when it ends (or a connect fails), with the "
       "process that connected or accepted it, its container, both ends, the payload bytes "
       "each way, its duration, retransmits and how it ended (fin, rst, refused, timeout).",
       "  sudo netmon                              # live table, output/net_*.csv\n"
       "  sudo netmon --established               # an event at set-up too\n"
       "  sudo netmon --port 443,8443 -p nginx     # these ports, one process name\n"
       "  sudo netmon --remote 10.0.0.0/8,fd00::/8  # peers in these blocks\n"
       "  sudo netmon --format jsonl -q -d 60      # JSON lines, no table, one minute\n",
       {"net"},
       "",
       "",
       ""});
}
