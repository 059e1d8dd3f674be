// Secrets kept out of events (`redact`, --redact): what a pattern's groups
// match in a field that holds a user's text (exec's argv, syscall's string
// arguments) becomes "****", before anything is filtered, written, shown,
// spooled or exported.
#pragma once

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace ebpfmon {

// The patterns a fresh config has: --password=, password=/token=/secret=/
// api_key=, "--password VALUE", mysql-like clients' -pVALUE, Authorization
// headers, AWS keys.
const std::vector<std::string>& default_redact_patterns();

class Redactor {
 public:
  // [begin, end) of what patterns' groups (or whole matches) cover in a text.
  using Ranges = std::vector<std::pair<size_t, size_t>>;

  // Each pattern is an ECMAScript regex, matched case-insensitively; what
  // its groups match is replaced (the whole match when it has none). A bad
  // pattern is a usage error naming it.
  static Result<Redactor> make(const std::vector<std::string>& patterns);

  // Whether anything was replaced in one text.
  bool apply(std::string& text) const;
  // argv is matched as the command line it makes (its items joined by
  // spaces), so a pattern can span items ("--password VALUE", "mysql ...
  // -pVALUE"); each item keeps its place.
  bool apply(std::vector<std::string>& argv) const;
  // Every string in the event's user-text fields (Field::user_text).
  bool apply(const Schema& schema, Event& event) const;

 private:
  bool apply(Value& value) const;
  void find(const std::string& text, Ranges& out) const;
  struct Pattern {
    std::regex regex;
    std::vector<std::string> needs;  // a default's words: tried only on a text with one
  };
  std::vector<Pattern> patterns_;
};

}  // namespace ebpfmon
