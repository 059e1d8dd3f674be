// syscallmon: system calls by category, with latency, errors and slow calls;
// an event stream and, with --summary, syscount-style tables.
#include "app/monitor_tool.h"

int main(int argc, char** argv) {
  return ebpfmon::run_monitor_tool(
      argc, argv,
      {"syscallmon",
       "syscallmon [OPTIONS]",
       "Trace system calls by category with their latency and errors. Every call of a traced "
       "syscall is counted in the kernel; errors, slow calls and high-priority syscalls are "
       "written as events (sampling_strategy: intelligent).",
       "  sudo syscallmon                          # live table, output/syscall_*.csv\n"
       "  sudo syscallmon --errors-only -p nginx   # failing calls of nginx\n"
       "  sudo syscallmon --summary 5              # syscount -L style table every 5 s\n"
       "  sudo syscallmon --summary --by category --histogram -d 10  # by category\n"
       "  sudo syscallmon --category network --threshold network=20  # slow over 20 ms\n"
       "  sudo syscallmon --syscall openat,read --sampling all --max-rate 0  # all calls\n",
       {"syscall"},
       "",
       "",
       ""});
}
