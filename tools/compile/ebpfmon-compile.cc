// ebpfmon-compile: the helper the tools run on a program-cache miss. It
// alone links libbcc and LLVM, so their memory leaves with it.
//
// stdin: a CompileRequest. On success, exit 0 with the CompiledObject on
// stdout. On a compile error, exit 1 with the message and the hint as two
// lines on stdout. Either way stderr carries clang's diagnostics (the tools
// show them with --verbose). Exit 2: the request itself is unreadable.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "bpf/compiled_object.h"
#include "compile/bcc_compiler.h"
#include "core/fd_io.h"
#include "core/version.h"

int main(int argc, char** argv) {
  if (argc > 1) {
    std::cout << "ebpfmon-compile " << ebpfmon::kVersion
              << "\nRun by the ebpfmon tools, not by hand: compiles one BPF program from a "
                 "request on stdin.\n";
    return std::string(argv[1]) == "--version" || std::string(argv[1]) == "--help" ? 0 : 2;
  }
  const std::string input{std::istreambuf_iterator<char>(std::cin),
                          std::istreambuf_iterator<char>()};
  auto request = ebpfmon::CompileRequest::parse(input);
  if (!request) {
    std::cerr << "ebpfmon-compile: " << request.error().message << "\n";
    return 2;
  }
  std::string diagnostics;
  auto object = ebpfmon::compile_with_bcc(*request, diagnostics);
  std::cerr << diagnostics << std::flush;
  if (!object) {
    ebpfmon::write_all(STDOUT_FILENO, object.error().message + "\n" + object.error().hint + "\n");
    return 1;
  }
  return ebpfmon::write_all(STDOUT_FILENO, object->serialize()) ? 0 : 1;
}
