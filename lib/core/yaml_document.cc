#include "core/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <optional>
#include <sstream>

#include "core/text.h"

namespace ebpfmon {
namespace {

// Sees every document of a YAML stream as events, keeping only where each
// document starts and where the first content after the first document is.
class DocumentScan final : public YAML::EventHandler {
 public:
  size_t documents = 0;
  YAML::Mark start;                 // of the latest document
  std::optional<YAML::Mark> later;  // the first node of a later document

  void OnDocumentStart(const YAML::Mark& mark) override {
    ++documents;
    start = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    content(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnMapEnd() override {}

 private:
  void content(const YAML::Mark& mark) {
    if (documents > 1 && !later) later = mark;
  }
};

}  // namespace

YAML::Node load_single_document(const std::string& text) {
  // Not YAML::LoadAll: on a stray ',' outside brackets yaml-cpp 0.7 hands
  // out empty documents without consuming it, and LoadAll collects them
  // until memory runs out (found by test/fuzz). A document that starts
  // where the one before it did is that case.
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentScan scan;
  for (YAML::Mark previous = YAML::Mark::null_mark(); parser.HandleNextDocument(scan);
       previous = scan.start) {
    if (scan.documents > 1 && scan.start.pos == previous.pos) {
      const auto at = static_cast<size_t>(scan.start.pos);
      throw YamlDocumentError{scan.start,
                              "invalid YAML: unexpected " +
                                  quote_for_message(at < text.size() ? text.substr(at, 1) : "")};
    }
  }
  // A trailing "---" makes an empty second document; real content there
  // would otherwise be ignored.
  if (scan.later) throw YamlDocumentError{*scan.later, "only one YAML document is allowed"};
  return YAML::Load(text);
}

}  // namespace ebpfmon
