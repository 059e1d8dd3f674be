// The common command line: flags validated into the config, flags beating
// the config file, usage errors as exit code 2.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "app/options.h"
#include "monitors/exec.h"

using namespace ebpfmon;

namespace {

CommandLine parse(std::vector<std::string> args, ToolOptions* extra = nullptr) {
  args.insert(args.begin(), "testtool");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ToolInfo tool{"testtool", "testtool [OPTIONS]", "A test.", "", {"exec"}, "", "", ""};
  return parse_command_line(static_cast<int>(args.size()), argv.data(), tool, extra);
}

std::string temp_config(const std::string& text) {
  char path[] = "/tmp/ebpfmon-options-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

}  // namespace

TEST_CASE("common flags fill the config") {
  auto cmd = parse({"-p", "bash,sshd", "-u", "root,42", "--pid", "1,2", "-o", "/tmp/x", "--format",
                    "jsonl", "-q", "-d", "2.5"});
  REQUIRE_FALSE(cmd.exit_code);
  CHECK(cmd.config.filters.comms == std::vector<std::string>{"bash", "sshd"});
  CHECK(cmd.config.filters.uids == std::vector<uint32_t>{0, 42});
  CHECK(cmd.config.filters.pids == std::vector<uint32_t>{1, 2});
  CHECK(cmd.config.output.directory == "/tmp/x");
  CHECK(cmd.config.output.format == FileFormat::Jsonl);
  CHECK(cmd.config.output.quiet);
  CHECK(cmd.config.duration == doctest::Approx(2.5));
}

TEST_CASE("bad flag values are usage errors (exit 2)") {
  const std::vector<std::vector<std::string>> bad = {
      {"--duration", "abc"},
      {"--duration", "31536001"},
      {"--duration", "-1"},
      {"--duration", "inf"},
      {"--format", "xml"},
      {"-p", "a,,b"},
      {"-u", "no_such_user_x"},
      {"--pid", "0"},
      {"--pid", "12x"},
      {"--pid", "99999999999"},
      {"--no-such-flag"},
      {"--duration"},
      {"-o", ""},
      {"unexpected-positional"},
  };
  for (const auto& args : bad) {
    CAPTURE(args[0]);
    auto cmd = parse(args);
    REQUIRE(cmd.exit_code);
    CHECK(*cmd.exit_code == 2);
  }
}

TEST_CASE("help and version exit 0") {
  CHECK(*parse({"--help"}).exit_code == 0);
  CHECK(*parse({"--version"}).exit_code == 0);
}

TEST_CASE("flags beat the config file") {
  const std::string path = temp_config("output:\n  directory: from_config\n  format: jsonl\n");
  auto from_file = parse({"-c", path});
  REQUIRE_FALSE(from_file.exit_code);
  CHECK(from_file.config.output.directory == "from_config");
  CHECK(from_file.config.source == path);
  auto overridden = parse({"-c", path, "-o", "from_flag", "--format", "csv"});
  REQUIRE_FALSE(overridden.exit_code);
  CHECK(overridden.config.output.directory == "from_flag");
  CHECK(overridden.config.output.format == FileFormat::Csv);
  unlink(path.c_str());
}

TEST_CASE("a bad or missing config file is a usage error") {
  const std::string path = temp_config("output:\n  buffer_sise: 10\n");
  CHECK(*parse({"-c", path}).exit_code == 2);
  unlink(path.c_str());
  CHECK(*parse({"-c", "/nonexistent/ebpfmon.yaml"}).exit_code == 2);
}

TEST_CASE("a negative value reaches an option whose value is optional") {
  // boost would take "-2" for an unknown option; the tool's check must see
  // it as --summary's value, to name --summary in its message.
  ToolOptions extra;
  extra.options.add_options()("summary",
                              boost::program_options::value<std::string>()->implicit_value(""));
  std::string seen = "unset";
  extra.apply = [&](const boost::program_options::variables_map& vm, Config&) -> Result<void> {
    if (vm.count("summary")) seen = vm["summary"].as<std::string>();
    return {};
  };
  REQUIRE_FALSE(parse({"--summary", "-2"}, &extra).exit_code);
  CHECK(seen == "-2");
  REQUIRE_FALSE(parse({"--summary", "-q"}, &extra).exit_code);  // a flag stays a flag
  CHECK(seen == "");
}

TEST_CASE("the tool's monitors' settings are flags, checked by their tables") {
  auto cmd = parse({"--max-args", "64", "--max-arg-bytes", "256"});
  REQUIRE_FALSE(cmd.exit_code);
  CHECK(cmd.config.settings<ExecSettings>("exec").max_args == 64);
  CHECK(cmd.config.settings<ExecSettings>("exec").max_arg_bytes == 256);
  for (const char* bad : {"0", "1025", "-3", "", "abc", " 5"}) {
    CAPTURE(bad);
    CHECK(*parse({"--max-args", bad}).exit_code == 2);
  }
  // Another monitor's flags belong to another tool.
  CHECK(*parse({"--max-rate", "5"}).exit_code == 2);
}
