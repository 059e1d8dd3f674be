#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "sinks/console_sink.h"
#include "sinks/formats.h"

using namespace ebpfmon;
using namespace std::string_literals;

namespace {

std::string csv_field(std::string_view field, char delimiter = ',') {
  std::string out;
  append_csv_field(out, field, delimiter);
  return out;
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The record of a one-column schema, without its line end.
std::string csv_value(const Value& value, char delimiter = ',') {
  const Schema schema{{{"value", ValueType::String}}};
  std::string out;
  append_csv_record(out, schema, Event{{value}}, delimiter);
  REQUIRE(!out.empty());
  CHECK(out.back() == '\n');
  out.pop_back();
  return out;
}

Schema every_type_schema() {
  return Schema{{{"int", ValueType::Int},
                 {"uint", ValueType::UInt},
                 {"float", ValueType::Float},
                 {"flag", ValueType::Bool},
                 {"comm", ValueType::String},
                 {"args", ValueType::StringList},
                 {"timestamp", ValueType::Time}}};
}

Event every_type_event() {
  return Event{{int64_t{-42}, std::numeric_limits<uint64_t>::max(), 0.015, true, "a,\"b\""s,
                std::vector<std::string>{"ls", "-l", "my dir"}, Timestamp{1726123845'123456789}}};
}

}  // namespace

TEST_CASE("file_extension") {
  CHECK(file_extension(FileFormat::Csv) == "csv");
  CHECK(file_extension(FileFormat::Jsonl) == "jsonl");
}

TEST_CASE("CSV fields are quoted only when RFC 4180 requires it") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("with space") == "with space");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("\"") == "\"\"\"\"");
  CHECK(csv_field("line\nbreak") == "\"line\nbreak\"");
  CHECK(csv_field("carriage\rreturn") == "\"carriage\rreturn\"");
  CHECK(csv_field("tab\there") == "tab\there");
  CHECK(csv_field("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");
  CHECK(csv_field("invalid \xff byte") == "invalid \xff byte");
}

TEST_CASE("CSV quoting follows the configured delimiter") {
  CHECK(csv_field("a,b", ';') == "a,b");
  CHECK(csv_field("a;b", ';') == "\"a;b\"");
  CHECK(csv_field("a\tb", '\t') == "\"a\tb\"");
  CHECK(csv_field("a,b", '\t') == "a,b");
  CHECK(csv_field("x\"y", ';') == "\"x\"\"y\"");
}

TEST_CASE("CSV appends without clearing the output") {
  std::string out = "start,";
  append_csv_field(out, "x,y", ',');
  CHECK(out == "start,\"x,y\"");
}

TEST_CASE("csv_header lists the field names in order") {
  CHECK(csv_header(every_type_schema(), ',') == "int,uint,float,flag,comm,args,timestamp\n");
  CHECK(csv_header(every_type_schema(), ';') == "int;uint;float;flag;comm;args;timestamp\n");
  const Schema odd{{{"a,b", ValueType::Int}, {"plain", ValueType::Int}}};
  CHECK(csv_header(odd, ',') == "\"a,b\",plain\n");
  CHECK(csv_header(Schema{}, ',') == "\n");
}

TEST_CASE("CSV record with every value type") {
  std::string out;
  append_csv_record(out, every_type_schema(), every_type_event(), ',');
  CHECK(out ==
        "-42,18446744073709551615,0.015,true,\"a,\"\"b\"\"\",ls -l my dir,1726123845.123456\n");

  std::string semicolons;
  append_csv_record(semicolons, every_type_schema(), every_type_event(), ';');
  CHECK(semicolons ==
        "-42;18446744073709551615;0.015;true;\"a,\"\"b\"\"\";ls -l my dir;1726123845.123456\n");
}

TEST_CASE("CSV values") {
  CHECK(csv_value(int64_t{0}) == "0");
  CHECK(csv_value(std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
  CHECK(csv_value(uint64_t{7}) == "7");
  CHECK(csv_value(false) == "false");
  CHECK(csv_value(Timestamp{0}) == "0.000000");
  CHECK(csv_value(std::vector<std::string>{}) == "");
  CHECK(csv_value(std::vector<std::string>{"one"}) == "one");
  CHECK(csv_value(std::vector<std::string>{"echo", "a,b"}) == "\"echo a,b\"");
  CHECK(csv_value(std::vector<std::string>{"say", "\"hi\""}) == "\"say \"\"hi\"\"\"");
  CHECK(csv_value(std::vector<std::string>{"two\nlines"}) == "\"two\nlines\"");
  CHECK(csv_value(Address{0x7f12ab340000}) == "0x7f12ab340000");
  CHECK(csv_value(Address{0}) == "0x0");
  // A record with its own text reads as that text, not its values joined.
  ValueRecord args{{{"fd", int64_t{3}}, {"path", "/x"s}}};
  CHECK(csv_value(args) == "3:/x");
  args.text = "3, \"/x\"";
  CHECK(csv_value(args) == "\"3, \"\"/x\"\"\"");
}

TEST_CASE("JSON lines: an address is a number, a record with text an object") {
  const Schema schema{{{"ret", ValueType::Int}, {"args", ValueType::Record}}};
  ValueRecord args{{{"fd", int64_t{3}}}};
  args.text = "3</tmp/x>";
  std::string out;
  append_jsonl_record(out, schema, Event{{Address{0x7f12ab340000}, args}});
  CHECK(out == "{\"ret\":139718158450688,\"args\":{\"fd\":3}}\n");
}

TEST_CASE("CSV: the delimiter inside a number or a joined list is quoted") {
  CHECK(csv_value(1.5, '.') == "\"1.5\"");
  CHECK(csv_value(int64_t{-3}, '-') == "\"-3\"");
  CHECK(csv_value(std::vector<std::string>{"a", "b"}, ' ') == "\"a b\"");
  CHECK(csv_value(std::vector<std::string>{"ab"}, ' ') == "ab");
  CHECK(csv_value(Timestamp{1'500'000'000}, '.') == "\"1.500000\"");
}

TEST_CASE("CSV record: a short event still has every column") {
  std::string out;
  append_csv_record(out, every_type_schema(), Event{{int64_t{1}}}, ',');
  CHECK(out == "1,,,,,,\n");
}

TEST_CASE("Doubles: one decimal when integral, else at most six without trailing zeros") {
  CHECK(value_to_text(15.0) == "15.0");
  CHECK(value_to_text(0.0) == "0.0");
  CHECK(value_to_text(-2.0) == "-2.0");
  CHECK(value_to_text(0.015) == "0.015");
  CHECK(value_to_text(1.5) == "1.5");
  CHECK(value_to_text(-2.25) == "-2.25");
  CHECK(value_to_text(0.1 + 0.2) == "0.3");
  CHECK(value_to_text(123456.789) == "123456.789");
  CHECK(value_to_text(1.0 / 3.0) == "0.333333");
  CHECK(value_to_text(2.0 / 3.0) == "0.666667");
  CHECK(value_to_text(1e-7) == "0.0");
  CHECK(value_to_text(1e15) == "1000000000000000.0");
  CHECK(value_to_text(std::numeric_limits<double>::max()).size() == 311);
  CHECK(value_to_text(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(value_to_text(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(value_to_text(std::nan("")) == "nan");
}

TEST_CASE("value_to_text") {
  CHECK(value_to_text(int64_t{-5}) == "-5");
  CHECK(value_to_text(uint64_t{5}) == "5");
  CHECK(value_to_text(true) == "true");
  CHECK(value_to_text(false) == "false");
  CHECK(value_to_text("a,\"b\"\n"s) == "a,\"b\"\n");
  CHECK(value_to_text(std::vector<std::string>{"ls", "-l", "/tmp"}) == "ls -l /tmp");
  CHECK(value_to_text(std::vector<std::string>{}) == "");
  CHECK(value_to_text(Timestamp{1726123845'123456789}) == "1726123845.123456");
}

TEST_CASE("JSON strings: quotes, backslashes and control characters are escaped") {
  CHECK(json_string("") == "\"\"");
  CHECK(json_string("plain text") == "\"plain text\"");
  CHECK(json_string("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(json_string("C:\\dir") == "\"C:\\\\dir\"");
  CHECK(json_string("a\nb\rc\td\be\ff") == "\"a\\nb\\rc\\td\\be\\ff\"");
  CHECK(json_string("\x01\x1f"s) == "\"\\u0001\\u001f\"");
  CHECK(json_string("nul\0byte"s) == "\"nul\\u0000byte\"");
  CHECK(json_string("\x1b[31mred") == "\"\\u001b[31mred\"");
  CHECK(json_string("del\x7f") == "\"del\x7f\"");
  CHECK(json_string("/slash") == "\"/slash\"");
}

TEST_CASE("JSON strings: valid UTF-8 passes through unchanged") {
  const std::string text =
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xed\x9f\xbf";
  CHECK(json_string(text) == "\"" + text + "\"");
}

TEST_CASE("JSON strings: invalid UTF-8 becomes U+FFFD") {
  // Each maximal invalid subpart is one replacement (Unicode's recommendation).
  CHECK(json_string("a\x80z") == "\"a\\ufffdz\"");                    // lone continuation
  CHECK(json_string("\xff\xfe") == "\"\\ufffd\\ufffd\"");             // never valid
  CHECK(json_string("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong '/'
  CHECK(json_string("\xc1\xbf") == "\"\\ufffd\\ufffd\"");             // overlong
  CHECK(json_string("\xe0\x80\xaf") == "\"\\ufffd\\ufffd\\ufffd\"");  // overlong 3-byte
  CHECK(json_string("\xf0\x80\x80\xaf") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // overlong
  CHECK(json_string("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");             // surrogate D800
  CHECK(json_string("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  CHECK(json_string("\xf5\x80") == "\"\\ufffd\\ufffd\"");
  CHECK(json_string("end\xe2\x82") == "\"end\\ufffd\"");  // truncated at end
  CHECK(json_string("\xe2\x82z") == "\"\\ufffdz\"");      // truncated mid-text
  CHECK(json_string("\xf0\x9f\x98") == "\"\\ufffd\"");
  CHECK(json_string("\xc3") == "\"\\ufffd\"");
  CHECK(json_string("\xc3\xa9\xc3") == "\"\xc3\xa9\\ufffd\"");
}

TEST_CASE("JSON strings always parse back") {
  const std::string nasty = "q\"b\\s\x01\n\x7f\xc3\xa9\xff\xed\xa0\x80\xe2\x82";
  const auto parsed = nlohmann::json::parse(json_string(nasty));
  CHECK(parsed.get<std::string>() ==
        "q\"b\\s\x01\n\x7f\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("JSON lines: one object per line with native types") {
  std::string out = "previous\n";
  append_jsonl_record(out, every_type_schema(), every_type_event());
  REQUIRE(out.rfind("previous\n", 0) == 0);
  const std::string line = out.substr(9);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);

  // Timestamps are raw text, exactly as in CSV, never via a double.
  CHECK(line.find("\"timestamp\":1726123845.123456}") != std::string::npos);

  const auto object = nlohmann::json::parse(line);
  REQUIRE(object.is_object());
  CHECK(object.size() == 7);
  CHECK(object["int"].is_number_integer());
  CHECK(object["int"].get<int64_t>() == -42);
  CHECK(object["uint"].is_number_unsigned());
  CHECK(object["uint"].get<uint64_t>() == std::numeric_limits<uint64_t>::max());
  CHECK(object["float"].is_number_float());
  CHECK(object["float"].get<double>() == doctest::Approx(0.015));
  CHECK(object["flag"].is_boolean());
  CHECK(object["flag"].get<bool>());
  CHECK(object["comm"].get<std::string>() == "a,\"b\"");
  REQUIRE(object["args"].is_array());
  CHECK(object["args"] == nlohmann::json::array({"ls", "-l", "my dir"}));
  CHECK(object["timestamp"].is_number_float());
  CHECK(object["timestamp"].get<double>() == doctest::Approx(1726123845.123456));
}

TEST_CASE("JSON lines: keys follow the schema order") {
  std::string out;
  append_jsonl_record(out, every_type_schema(), every_type_event());
  size_t previous = 0;
  for (const Field& field : every_type_schema().fields) {
    const size_t at = out.find("\"" + field.name + "\":");
    REQUIRE(at != std::string::npos);
    CHECK(at >= previous);
    previous = at;
  }
}

TEST_CASE("JSON lines: doubles, non-finite values and missing values") {
  const Schema schema{{{"a", ValueType::Float},
                       {"b", ValueType::Float},
                       {"c", ValueType::Float},
                       {"d", ValueType::Float},
                       {"e", ValueType::Int}}};
  std::string out;
  append_jsonl_record(out, schema,
                      Event{{15.0, std::nan(""), std::numeric_limits<double>::infinity(), -0.5}});
  CHECK(out == "{\"a\":15.0,\"b\":null,\"c\":null,\"d\":-0.5,\"e\":null}\n");
  const auto object = nlohmann::json::parse(out);
  CHECK(object["a"].is_number_float());
  CHECK(object["b"].is_null());
  CHECK(object["e"].is_null());
}

TEST_CASE("JSON lines: empty lists, empty strings and escaped keys") {
  const Schema schema{
      {{"list", ValueType::StringList}, {"text", ValueType::String}, {"we\"ird", ValueType::Bool}}};
  std::string out;
  append_jsonl_record(out, schema, Event{{std::vector<std::string>{}, std::string{}, false}});
  CHECK(out == "{\"list\":[],\"text\":\"\",\"we\\\"ird\":false}\n");
  const auto object = nlohmann::json::parse(out);
  CHECK(object["we\"ird"].get<bool>() == false);
}

TEST_CASE("JSON lines: invalid UTF-8 in lists is replaced") {
  const Schema schema{{{"args", ValueType::StringList}}};
  std::string out;
  append_jsonl_record(out, schema, Event{{std::vector<std::string>{"ok", "bad\xff"}}});
  CHECK(out == "{\"args\":[\"ok\",\"bad\\ufffd\"]}\n");
  CHECK(nlohmann::json::parse(out).is_object());
}

namespace {

// exec's ancestors: a list of {pid, comm} records, nearest first.
Value ancestors() {
  return ValueList{{ValueRecord{{{"pid", uint64_t{812}}, {"comm", "bash"s}}},
                    ValueRecord{{{"pid", uint64_t{1}}, {"comm", "sys,\"temd"s}}}}};
}

}  // namespace

TEST_CASE("records and lists: a list of records is pid:comm;pid:comm in CSV") {
  CHECK(csv_value(ancestors()) == "\"812:bash;1:sys,\"\"temd\"");
  CHECK(value_to_text(ancestors()) == "812:bash;1:sys,\"temd");
  CHECK(csv_value(ValueList{}) == "");
  // Nested: a record's values joined by ':', a list's items by ';'.
  const Value nested =
      ValueRecord{{{"n", int64_t{-1}}, {"l", ValueList{{"a"s, ValueList{{true, NoValue{}}}}}}}};
  CHECK(value_to_text(nested) == "-1:a;true;");
}

TEST_CASE("records and lists: JSON objects and arrays, nested") {
  const Schema schema{{{"ancestors", ValueType::List}, {"r", ValueType::Record}}};
  const Value record = ValueRecord{{{"x", 1.5},
                                    {"inner", ValueRecord{{{"t", Timestamp{1'500'000'000}}}}},
                                    {"none", NoValue{}},
                                    {"args", std::vector<std::string>{"a"}}}};
  std::string out;
  append_jsonl_record(out, schema, Event{{ancestors(), record}});
  CHECK(out ==
        "{\"ancestors\":[{\"pid\":812,\"comm\":\"bash\"},{\"pid\":1,\"comm\":\"sys,\\\"temd\"}],"
        "\"r\":{\"x\":1.5,\"inner\":{\"t\":1.500000},\"none\":null,\"args\":[\"a\"]}}\n");
  CHECK(nlohmann::json::parse(out)["r"]["inner"]["t"].get<double>() == 1.5);
}

// ---- ConsoleSink ----------------------------------------------------------

namespace {

struct ConsoleFields {
  Schema schema;
  FieldOf<uint64_t> pid = schema.add<uint64_t>("pid", "");
  FieldOf<std::string> comm = schema.add<std::string>("comm", "");
  FieldOf<std::vector<std::string>> args = schema.add<std::vector<std::string>>("args", "");
};

std::vector<ConsoleColumn> console_columns(const ConsoleFields& f) {
  return {{"PID", f.pid, 7}, {"COMM", f.comm, 6}, {"ARGS", f.args, 0}};
}

}  // namespace

TEST_CASE("ConsoleSink prints a padded heading at construction") {
  std::ostringstream out;
  const ConsoleFields f;
  const Schema& schema = f.schema;
  const ConsoleSink sink(out, schema, console_columns(f));
  CHECK(out.str() == "PID     COMM   ARGS\n");
  CHECK(sink.written() == 0);
}

TEST_CASE("ConsoleSink pads values to the column width") {
  std::ostringstream out;
  const ConsoleFields f;
  const Schema& schema = f.schema;
  ConsoleSink sink(out, schema, console_columns(f));
  sink.write(Event{{uint64_t{42}, "bash"s, std::vector<std::string>{"ls", "-l"}}});
  sink.write(Event{{uint64_t{1234567890}, "longcommand"s, std::vector<std::string>{}}});
  CHECK(sink.flush().ok());
  CHECK(sink.written() == 2);
  CHECK(sink.dropped() == 0);
  CHECK(out.str() ==
        "PID     COMM   ARGS\n"
        "42      bash   ls -l\n"
        "1234567890 longcommand \n");
}

TEST_CASE("ConsoleSink escapes control characters") {
  std::ostringstream out;
  const ConsoleFields f;
  const Schema& schema = f.schema;
  ConsoleSink sink(out, schema, console_columns(f));
  out.str("");
  sink.write(Event{{uint64_t{1}, "a\tb"s,
                    std::vector<std::string>{"x\ny\rz", "\x1b[2J", "del\x7f", "back\\slash"}}});
  CHECK(out.str() == "1       a\\tb   x\\ny\\rz \\x1b[2J del\\x7f back\\slash\n");
}

TEST_CASE("ConsoleSink pads multi-byte UTF-8 by characters") {
  std::ostringstream out;
  const ConsoleFields f;
  const Schema& schema = f.schema;
  ConsoleSink sink(out, schema, {{"COMM", f.comm, 6}, {"PID", f.pid, 0}});
  out.str("");
  sink.write(Event{{uint64_t{7}, "caf\xc3\xa9"s, std::vector<std::string>{}}});
  CHECK(out.str() == "caf\xc3\xa9   7\n");
}

TEST_CASE("ConsoleSink cuts lines at the terminal's width with an ellipsis") {
  std::ostringstream out;
  const ConsoleFields f;
  const Schema& schema = f.schema;
  ConsoleStyle style;
  style.width = 20;
  ConsoleSink sink(out, schema, console_columns(f), style);
  out.str("");
  sink.write(Event{{uint64_t{42}, "bash"s, std::vector<std::string>{"a", "very", "long", "line"}}});
  sink.write(Event{{uint64_t{42}, "bash"s, std::vector<std::string>{"short"}}});
  sink.write(Event{{uint64_t{42}, "bash"s, std::vector<std::string>{"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}}});
  CHECK(out.str() ==
        "42      bash   a ve\xe2\x80\xa6\n"
        "42      bash   short\n"
        "42      bash   \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6\n");
}

TEST_CASE("ConsoleSink shows time fields as the clock, the full time or seconds since start") {
  Schema schema;
  const std::vector<ConsoleColumn> columns{{"TIME", schema.add<Timestamp>("timestamp", ""), 12},
                                           {"PID", schema.add<uint64_t>("pid", ""), 0}};
  const Timestamp now = wall_clock_now();
  const Event event{{Timestamp{now.ns + 1500000000}, uint64_t{7}}};
  std::ostringstream clock, full, elapsed;
  ConsoleSink(clock, schema, columns).write(event);
  ConsoleStyle style;
  style.time = ConsoleStyle::Time::Full;
  ConsoleSink(full, schema, columns, style).write(event);
  style.time = ConsoleStyle::Time::Elapsed;
  ConsoleSink(elapsed, schema, columns, style).write(event);
  CHECK(clock.str() == "TIME         PID\n" + format_clock_time(std::get<Timestamp>(event.values[0])) + " 7\n");
  CHECK(full.str().find(format_time_str(std::get<Timestamp>(event.values[0])) + " 7\n") != std::string::npos);
  CHECK(elapsed.str().rfind("TIME(s)    PID\n1.5", 0) == 0);
}

TEST_CASE("ConsoleSink: a last column with a width is not padded") {
  std::ostringstream out;
  const ConsoleFields f;
  const Schema& schema = f.schema;
  ConsoleSink sink(out, schema, {{"PID", f.pid, 5}, {"COMM", f.comm, 16}});
  sink.write(Event{{uint64_t{7}, "sh"s, std::vector<std::string>{}}});
  CHECK(out.str() == "PID   COMM\n7     sh\n");
}
