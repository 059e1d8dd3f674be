// The programs the monitors' own plans ask for over a small grid of their
// settings, so that every -D switch a plan can emit gets compiled by a test
// without a list of defines kept by hand.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "bpf/program.h"

namespace ebpfmon::test {

struct PlannedProgram {
  ProgramSpec spec;
  bool task_storage = false;  // planned where tracing programs may use task storage (6.2+)
};

struct PlanGrid {
  // One per program and distinct set of define names, the first planned.
  std::vector<PlannedProgram> programs;
  // "func: cannot trace kernel functions: ...": a monitor this kernel cannot
  // run under any of the grid's capabilities, with the reason.
  std::vector<std::string> not_planned;
};

// Plans every registered monitor at its defaults and with each setting moved
// alone: both values of a bool, each choice, both ends of an integer range
// (a setting that needs another, such as --by needing --summary, gets that
// one at its implicit value). Each with the filters off and all on, and
// under the capabilities as probed and with some forced off
// (EBPFMON_DISABLE_FEATURES), which is how the fallbacks are planned. Root.
PlanGrid plan_grid();

// The names of a source's #ifdef / #if defined(...) switches, less those the
// source defines itself and the compiler's own (__cplusplus).
std::set<std::string> switches_in(const std::string& source);

// The define names of a spec.
std::set<std::string> define_names(const ProgramSpec& spec);

// The fewest programs (greedy) that, together, define each name the given
// ones define, per program.
std::vector<PlannedProgram> covering(const std::vector<PlannedProgram>& programs);

}  // namespace ebpfmon::test
