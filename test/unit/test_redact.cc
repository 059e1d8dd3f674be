// Secrets masked by the default patterns, and what they leave alone.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/redact.h"

using namespace ebpfmon;

namespace {

const Redactor& defaults() {
  static const Redactor r = *Redactor::make(default_redact_patterns());
  return r;
}

std::vector<std::string> masked(std::vector<std::string> argv) {
  defaults().apply(argv);
  return argv;
}

std::string masked(std::string text) {
  defaults().apply(text);
  return text;
}

using Argv = std::vector<std::string>;

}  // namespace

TEST_CASE("the defaults mask passwords, tokens, keys and Authorization headers in argv") {
  CHECK(masked(Argv{"app", "--password=hunter2", "-v"}) == Argv{"app", "--password=****", "-v"});
  CHECK(masked(Argv{"app", "--db-pass:hunter2"}) == Argv{"app", "--db-pass:****"});
  CHECK(masked(Argv{"app", "--password", "hunter2", "x"}) ==
        Argv{"app", "--password", "****", "x"});
  CHECK(masked(Argv{"mysql", "-u", "root", "-ps3cr3t", "db"}) ==
        Argv{"mysql", "-u", "root", "-p****", "db"});
  CHECK(masked(Argv{"/usr/bin/mysqldump", "-pX"}) == Argv{"/usr/bin/mysqldump", "-p****"});
  CHECK(masked(Argv{"curl", "-H", "Authorization: Bearer abc.def", "https://x"}) ==
        Argv{"curl", "-H", "Authorization: Bearer ****", "https://x"});
  CHECK(masked(Argv{"curl", "https://x/api?user=a&token=t0k3n&b=1"}) ==
        Argv{"curl", "https://x/api?user=a&token=****&b=1"});
  CHECK(masked(Argv{"env", "API_KEY=k3y", "AWS_SECRET_ACCESS_KEY=" + std::string(40, 'A')}) ==
        Argv{"env", "API_KEY=****", "AWS_SECRET_ACCESS_KEY=****"});
  CHECK(masked(Argv{"aws", "AKIAABCDEFGHIJKLMNOP"}) == Argv{"aws", "****"});
}

TEST_CASE("the defaults leave ordinary arguments alone") {
  for (const Argv& argv : {Argv{"ssh", "-p2222", "host"}, Argv{"mkdir", "-p", "/tmp/x"},
                           Argv{"git", "checkout", std::string(40, 'a')},
                           Argv{"grep", "-r", "password", "."}, Argv{"tar", "-pxf", "a.tar"}}) {
    Argv copy = argv;
    CHECK_FALSE(defaults().apply(copy));
    CHECK(copy == argv);
  }
}

TEST_CASE("a pattern without groups masks its whole match; bad patterns are named") {
  auto r = Redactor::make({"secret-[0-9]+"});
  REQUIRE(r);
  std::string text = "open /srv/secret-42/file";
  CHECK(r->apply(text));
  CHECK(text == "open /srv/****/file");
  auto bad = Redactor::make({"("});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().exit_code() == 2);
  CHECK(bad.error().message.find("'('") != std::string::npos);
}

TEST_CASE("an event's user-text fields are masked, records and their text included") {
  Schema schema;
  const auto argv = schema.add_user_text<std::vector<std::string>>("argv", "");
  const auto comm = schema.add<std::string>("comm", "");
  const auto args = schema.add_user_text<ValueRecord>("args", "");
  Event e;
  e.values.resize(3);
  e.set(argv, {"app", "--token=abc"});
  e.set(comm, "token=abc");  // not user text: as the kernel named it
  ValueRecord r;
  r.fields.emplace_back("filename", Value{std::string("/x?password=pw")});
  r.text = "AT_FDCWD, \"/x?password=pw\"";
  e.set(args, r);
  CHECK(defaults().apply(schema, e));
  CHECK(e.get(argv) == Argv{"app", "--token=****"});
  CHECK(e.get(comm) == "token=abc");
  CHECK(std::get<std::string>(e.get(args).fields[0].second) == "/x?password=****");
  CHECK(e.get(args).text == "AT_FDCWD, \"/x?password=****\"");
  CHECK(masked(std::string("no secrets here")) == "no secrets here");
}

TEST_CASE("INTERFACE.md lists every default pattern") {
  std::ifstream in(std::string(EBPFMON_SOURCE_DIR) + "/docs/INTERFACE.md");
  std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // A Markdown table writes | as \|.
  for (size_t at = doc.find("\\|"); at != std::string::npos; at = doc.find("\\|", at))
    doc.replace(at, 2, "|");
  for (const std::string& pattern : default_redact_patterns()) {
    INFO(pattern);
    CHECK(doc.find("`" + pattern + "`") != std::string::npos);
  }
}
