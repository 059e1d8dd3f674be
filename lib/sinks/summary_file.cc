#include "sinks/summary_file.h"

#include "sinks/formats.h"

namespace ebpfmon {

void for_each_report_row(const Report& report,
                         const std::function<void(const Schema&, const Event&)>& row) {
  for (const ReportTable& table : report.tables) {
    Schema schema{{{"time", ValueType::Time},
                   {"kind", ValueType::String},
                   {"seconds", ValueType::Float},
                   {"table", ValueType::String}}};
    schema.fields.insert(schema.fields.end(), table.columns.fields.begin(),
                         table.columns.fields.end());
    for (const Event& values : table.rows) {
      Event event{{report.time, std::string(span_name(report.span)), report.seconds, table.name}};
      event.values.insert(event.values.end(), values.values.begin(), values.values.end());
      row(schema, event);
    }
  }
}

std::string report_jsonl(const Report& report) {
  std::string text;
  for_each_report_row(report, [&](const Schema& schema, const Event& event) {
    append_jsonl_record(text, schema, event);
  });
  return text;
}

Result<std::unique_ptr<SummaryFile>> SummaryFile::open(FileSinkOptions options) {
  options.monitor = "summary_" + options.monitor;
  options.format = FileFormat::Jsonl;
  static const Schema kNoSchema;  // every row brings its own
  auto file = FileSink::open(options, kNoSchema);
  if (!file) return file.error();
  return std::unique_ptr<SummaryFile>(new SummaryFile(std::move(*file)));
}

// Written at once: a report comes every interval at most, and a reader
// following the file sees each whole.
Result<void> SummaryFile::write_report(const Report& report) {
  for_each_report_row(report, [this](const Schema& schema, const Event& event) {
    file_->write_record(schema, event);
  });
  return file_->flush();
}

}  // namespace ebpfmon
