// What the fuzz targets check, one function per target. Each returns an
// empty string when every invariant held, else what broke. The libFuzzer
// entry points abort on a non-empty result; the unit tests replay the seed
// corpora and the regression inputs through the same functions, so a
// crasher once found stays checked in every build, fuzzer or not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ebpfmon::fuzz {

// parse_config on the bytes as YAML text: no crash, no escaping exception;
// an accepted config is within the documented ranges, a refused one is a
// one-line usage error naming the file.
std::string check_config(const uint8_t* data, size_t size);

// A schema and an event decoded from the bytes (see formats_check.cc) are
// written as CSV and as a JSON line; the CSV reads back, under RFC 4180, to
// the same fields, and the JSON line is one valid JSON object with the same
// values.
std::string check_formats(const uint8_t* data, size_t size);

// CompiledObject::parse, parse_cache_entry and CompileRequest::parse on the
// bytes: no crash; what is accepted has every map reference in range and on
// a map load, and serialises back to the same bytes.
std::string check_program(const uint8_t* data, size_t size);

}  // namespace ebpfmon::fuzz
