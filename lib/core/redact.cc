#include "core/redact.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "core/text.h"

namespace ebpfmon {
namespace {

constexpr char kMask[] = "****";

using Ranges = Redactor::Ranges;

// The defaults, each with words one of which a text must hold (any case)
// for the pattern to be tried: most texts hold none, and a regex search of
// a long argv costs far more than looking for a few words.
struct DefaultPattern {
  const char* pattern;
  std::vector<std::string> needs;  // lowercase
};

const std::vector<DefaultPattern>& defaults() {
  static const std::vector<DefaultPattern> patterns = {
      // --password=VALUE, --db-pass:VALUE
      {R"(--?[\w.-]*(?:password|passwd|pass|pwd|secret|token)[=:](\S+))",
       {"pass", "pwd", "secret", "token"}},
      // "--password VALUE" (two argv items)
      {R"(--?[\w.-]*(?:password|passwd|secret|token)\s+([^\s-]\S*))", {"pass", "secret", "token"}},
      // password=VALUE in a URL, an environment-like argument or a header
      {R"((?:password|passwd|pwd|secret|token|api_?key|access_?key|client_?secret)=([^\s&;"']+))",
       {"pass", "pwd", "secret", "token", "key"}},
      // mysql -pVALUE (and mysqldump, mysqladmin, mariadb...)
      {R"(\b(?:mysql\w*|mariadb[\w-]*)\b.*?\s-p(\S+))", {"mysql", "mariadb"}},
      // Authorization: Bearer VALUE
      {R"(authorization:\s*(?:bearer\s+|basic\s+|token\s+)?(\S+))", {"authorization"}},
      // AWS: an access key id, a secret access key
      {R"(\b(AKIA[0-9A-Z]{16})\b)", {"akia"}},
      {R"(aws_?secret_?access_?key\W+([A-Za-z0-9/+=]{40}))", {"secret"}},
  };
  return patterns;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

void add_matches(const std::regex& pattern, const std::string& text, Ranges& out) {
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m.size() == 1) {
      if (m.length(0) > 0) out.emplace_back(m.position(0), m.position(0) + m.length(0));
      continue;
    }
    for (size_t g = 1; g < m.size(); ++g)
      if (m[g].matched && m.length(g) > 0)
        out.emplace_back(m.position(g), m.position(g) + m.length(g));
  }
}

// Merged and sorted, so each stretch is masked once.
Ranges merged(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& [b, e] : r) {
    if (!out.empty() && b <= out.back().second)
      out.back().second = std::max(out.back().second, e);
    else
      out.emplace_back(b, e);
  }
  return out;
}

// text with [begin, end) of each range, shifted by `offset` and clipped to
// text, replaced by the mask.
std::string masked(const std::string& text, const Ranges& ranges, size_t offset) {
  std::string out;
  size_t at = 0;
  for (const auto& [b, e] : ranges) {
    if (e <= offset || b >= offset + text.size()) continue;
    const size_t from = std::max(b, offset) - offset,
                 to = std::min(e, offset + text.size()) - offset;
    if (from < at) continue;
    out.append(text, at, from - at);
    out += kMask;
    at = to;
  }
  out.append(text, at, std::string::npos);
  return out;
}

}  // namespace

const std::vector<std::string>& default_redact_patterns() {
  static const std::vector<std::string> patterns = [] {
    std::vector<std::string> out;
    for (const DefaultPattern& d : defaults()) out.emplace_back(d.pattern);
    return out;
  }();
  return patterns;
}

Result<Redactor> Redactor::make(const std::vector<std::string>& patterns) {
  Redactor r;
  for (const std::string& p : patterns) {
    try {
      Pattern compiled{
          std::regex(p, std::regex::ECMAScript | std::regex::icase | std::regex::optimize), {}};
      for (const DefaultPattern& d : defaults())
        if (p == d.pattern) compiled.needs = d.needs;
      r.patterns_.push_back(std::move(compiled));
    } catch (const std::regex_error& e) {
      return Error::usage("redact: " + quote_for_message(p) + " is not a regular expression (" +
                          e.what() + ")");
    }
  }
  return r;
}

void Redactor::find(const std::string& text, Ranges& out) const {
  std::string lower;
  for (const Pattern& p : patterns_) {
    if (!p.needs.empty()) {
      if (lower.empty()) lower = lowercase(text);
      if (std::none_of(p.needs.begin(), p.needs.end(), [&](const std::string& word) {
            return lower.find(word) != std::string::npos;
          }))
        continue;
    }
    add_matches(p.regex, text, out);
  }
}

bool Redactor::apply(std::string& text) const {
  Ranges ranges;
  find(text, ranges);
  if (ranges.empty()) return false;
  text = masked(text, merged(std::move(ranges)), 0);
  return true;
}

bool Redactor::apply(std::vector<std::string>& argv) const {
  std::string line;
  std::vector<size_t> starts;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    starts.push_back(line.size());
    line += arg;
  }
  Ranges ranges;
  find(line, ranges);
  if (ranges.empty()) return false;
  const Ranges all = merged(std::move(ranges));
  for (size_t i = 0; i < argv.size(); ++i) argv[i] = masked(argv[i], all, starts[i]);
  return true;
}

bool Redactor::apply(Value& value) const {
  if (auto* s = std::get_if<std::string>(&value)) return apply(*s);
  if (auto* list = std::get_if<std::vector<std::string>>(&value)) return apply(*list);
  bool changed = false;
  if (auto* record = std::get_if<ValueRecord>(&value)) {
    for (auto& [name, v] : record->fields) changed = apply(v) || changed;
    changed = apply(record->text) || changed;
  }
  if (auto* list = std::get_if<ValueList>(&value))
    for (Value& v : list->items) changed = apply(v) || changed;
  return changed;
}

bool Redactor::apply(const Schema& schema, Event& event) const {
  if (patterns_.empty()) return false;
  bool changed = false;
  for (size_t i = 0; i < schema.fields.size() && i < event.values.size(); ++i)
    if (schema.fields[i].user_text) changed = apply(event.values[i]) || changed;
  return changed;
}

}  // namespace ebpfmon
