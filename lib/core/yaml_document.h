// Reading one YAML document safely: yaml-cpp 0.7's own LoadAll can fill the
// memory on some malformed input, and trailing documents would be ignored.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace ebpfmon {

// A stream that is not one YAML document; `message` is the whole reason.
struct YamlDocumentError {
  YAML::Mark mark;
  std::string message;
};

// The first (and only) document of `text`. Throws YAML::Exception for
// invalid YAML and YamlDocumentError for a second document with content or
// a stream that keeps handing out empty documents.
YAML::Node load_single_document(const std::string& text);

}  // namespace ebpfmon
