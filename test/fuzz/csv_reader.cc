#include "csv_reader.h"

namespace ebpfmon::fuzz {

std::optional<std::vector<std::string>> read_csv_record(std::string_view line, char delimiter) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) return std::nullopt;  // unterminated quote
        if (line[i] != '"') {
          field.push_back(line[i]);
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          ++i;
          break;
        }
      }
    } else {
      for (; i < line.size() && line[i] != delimiter && line[i] != '\n'; ++i) {
        if (line[i] == '"' || line[i] == '\r') return std::nullopt;
        field.push_back(line[i]);
      }
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return std::nullopt;  // no line end
    if (line[i] == '\n') {
      if (i + 1 != line.size()) return std::nullopt;  // a second record
      return fields;
    }
    if (line[i] != delimiter) return std::nullopt;  // text after a closing quote
    ++i;
  }
}

}  // namespace ebpfmon::fuzz
