// execmon: every process execution on the machine, live and to a file.
#include "app/monitor_tool.h"

int main(int argc, char** argv) {
  return ebpfmon::run_monitor_tool(
      argc, argv,
      {"execmon",
       "execmon [OPTIONS]",
       "Trace every execve() and execveat(), successful or failed, with the full argument list "
       "and the process's context: parents, cwd, exe, login, terminal, namespaces, cgroup and "
       "container.",
       "  sudo execmon                           # live table, output/exec_*.csv\n"
       "  sudo execmon -p bash,python3           # only execs by (or into) these names\n"
       "  sudo execmon -u www-data -q -d 60      # one user, no table, one minute\n"
       "  sudo execmon --format jsonl            # JSON lines, argv as an array\n"
       "  sudo execmon --exits -q                # exits too, in output/exit_*.csv\n"
       "  sudo execmon --container 3f2a9c1e0b7d  # one container, also one started later\n",
       {"exec"},
       "",
       "",
       "",
       {{"exits", "exit",
         "also trace process exits (the exit monitor: its own file, exit_*.csv)"}}});
}
