// Output of records as an aligned table (CJK-aware widths), CSV (RFC 4180,
// starting with a UTF-8 byte order mark so spreadsheet programs such as Excel
// read the Chinese text as UTF-8 on double-click) or JSON lines. Commands build
// rows of named string fields and a format name.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace reportflow::cli {

enum class Format { kTable, kCsv, kJsonl };

// The UTF-8 byte order mark every CSV output starts with.
inline constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";

// Parses "table", "csv" or "jsonl".
Status ParseFormat(const std::string& name, Format* format);

// A table of records with fixed columns. JSON lines carry typed values
// (numbers stay numbers); table and CSV print their string form.
class RecordWriter {
 public:
  RecordWriter(std::vector<std::string> columns, Format format, std::ostream& out)
      : columns_(std::move(columns)), format_(format), out_(out) {}
  // `record` must hold the columns (missing ones print empty); extra keys are
  // kept in JSON lines only.
  void Add(const nlohmann::ordered_json& record);
  // Writes the table (tables are buffered to align columns; CSV and JSON lines stream).
  void Finish();

 private:
  std::vector<std::string> columns_;
  Format format_;
  std::ostream& out_;
  bool header_written_ = false;
  std::vector<std::vector<std::string>> rows_;
};

// Display width in terminal columns (East Asian wide characters count 2).
size_t DisplayWidth(const std::string& utf8);
// A JSON value's plain-text form: strings unquoted, numbers without trailing zeros.
std::string PlainText(const nlohmann::ordered_json& value);

}  // namespace reportflow::cli
