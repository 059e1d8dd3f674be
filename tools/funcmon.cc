// funcmon: calls of kernel functions matching globs, as events or counts.
#include "app/monitor_tool.h"

int main(int argc, char** argv) {
  return ebpfmon::run_monitor_tool(
      argc, argv,
      {"funcmon",
       "funcmon [OPTIONS] PATTERN...",
       "Trace calls of kernel functions matching shell globs (default: the config's "
       "monitors.func.patterns), through fentry (BPF trampolines) or kprobes.",
       "  sudo funcmon 'vfs_*' --limit 10             # live table, output/func_*.csv\n"
       "  sudo funcmon 'vfs_*' 'do_sys_open*'         # several patterns\n"
       "  sudo funcmon --count 'tcp_*' --interval 5   # counts per function (funccount)\n"
       "  sudo funcmon --list 'vfs_*'                 # what would be traced, and how\n"
       "  sudo funcmon --backend kprobe -p nginx 'vfs_read'  # kprobes, one process name\n",
       {"func"},
       "func",
       "patterns",
       "PATTERN"});
}
