#include "sinks/console_sink.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "core/time_format.h"
#include "sinks/formats.h"

namespace ebpfmon {
namespace {

// Terminal columns taken by UTF-8 text, counted as code points: continuation
// bytes take no column of their own. (Wide CJK glyphs are not accounted for.)
size_t display_width(std::string_view text) {
  size_t width = 0;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  return width;
}

// Control characters would move the cursor or recolour the terminal.
void append_escaped(std::string& out, std::string_view text) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c == '\r') {
      out.append("\\r");
    } else {
      const char escape[] = {'\\', 'x', kHexDigits[byte >> 4], kHexDigits[byte & 0xF]};
      out.append(escape, sizeof escape);
    }
  }
}

// Left-aligned cells joined by one space. The last cell is not padded, so
// lines carry no trailing blanks; width 0 means "the rest of the line".
void append_cell(std::string& out, std::string_view text, int width, bool last) {
  const size_t cell_start = out.size();
  append_escaped(out, text);
  if (last) return;
  const size_t shown = display_width(std::string_view(out).substr(cell_start));
  if (width > 0 && shown < static_cast<size_t>(width))
    out.append(static_cast<size_t>(width) - shown, ' ');
  out.push_back(' ');
}

}  // namespace

ConsoleSink::ConsoleSink(std::ostream& out, const Schema& schema,
                         std::vector<ConsoleColumn> columns, ConsoleStyle style)
    : out_(out), schema_(schema), columns_(std::move(columns)), style_(style),
      start_(wall_clock_now()) {
  for (ConsoleColumn& column : columns_) {
    if (column.field.index >= schema_.fields.size() ||
        schema_.fields[column.field.index].type != ValueType::Time)
      continue;
    switch (style_.time) {
      case ConsoleStyle::Time::Clock: column.width = 12; break;
      case ConsoleStyle::Time::Full: column.width = 25; break;
      case ConsoleStyle::Time::Elapsed:
        column.heading = "TIME(s)";
        column.width = 10;
        break;
    }
  }
  if (!style_.heading) return;
  std::string heading;
  for (size_t i = 0; i < columns_.size(); ++i)
    append_cell(heading, columns_[i].heading, columns_[i].width, i + 1 == columns_.size());
  put_line(std::move(heading));
}

std::string ConsoleSink::time_text(Timestamp t) const {
  switch (style_.time) {
    case ConsoleStyle::Time::Full: return format_time_str(t);
    case ConsoleStyle::Time::Elapsed: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(t.ns - start_.ns) / 1e9);
      return buf;
    }
    case ConsoleStyle::Time::Clock: break;
  }
  return format_clock_time(t);
}

// Cut at the terminal's width, the last column keeping "…" (the files keep
// everything).
void ConsoleSink::put_line(std::string line) {
  if (style_.width > 1 && display_width(line) > style_.width) {
    size_t columns = 0, cut = 0;
    while (cut < line.size()) {
      if ((static_cast<unsigned char>(line[cut]) & 0xC0) != 0x80) {
        if (columns == style_.width - 1) break;
        ++columns;
      }
      ++cut;
    }
    line.resize(cut);
    line.append("\xe2\x80\xa6");
  }
  line.push_back('\n');
  out_ << line;
}

void ConsoleSink::write(const Event& event) {
  std::string line;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const ConsoleColumn& column = columns_[i];
    const size_t field = column.field.index;
    const bool present = field < schema_.fields.size() && field < event.values.size();
    std::string text;
    if (column.text) {
      text = column.text(event);
    } else if (present) {
      const Value& v = event.values[field];
      text = std::holds_alternative<Timestamp>(v) ? time_text(std::get<Timestamp>(v))
                                                   : value_to_text(v);
    }
    append_cell(line, text, column.width, i + 1 == columns_.size());
  }
  put_line(std::move(line));
  ++written_;
}

Result<void> ConsoleSink::flush() {
  out_.flush();
  return {};
}

}  // namespace ebpfmon
