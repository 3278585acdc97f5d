#include "cli/output.h"

#include <unicode/uchar.h>

#include <cmath>
#include <cstdio>

#include "common/text/utf8.h"

namespace reportflow::cli {

Status ParseFormat(const std::string& name, Format* format) {
  if (name == "table") *format = Format::kTable;
  else if (name == "csv") *format = Format::kCsv;
  else if (name == "jsonl") *format = Format::kJsonl;
  else return Status::InvalidArgument("unknown format '" + name + "' (table, csv, jsonl)");
  return Status::OK();
}

size_t DisplayWidth(const std::string& utf8) {
  size_t pos = 0, width = 0;
  while (pos < utf8.size()) {
    const char32_t cp = text::DecodeUtf8(utf8, &pos);
    const int eaw = u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_EAST_ASIAN_WIDTH);
    width += (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH) ? 2 : 1;
  }
  return width;
}

std::string PlainText(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.4g", d);
    return buf;
  }
  if (value.is_array()) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : "; ") + PlainText(v);
    return out;
  }
  return value.dump();
}

namespace {
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

void RecordWriter::Add(const nlohmann::ordered_json& record) {
  if (format_ == Format::kJsonl) {
    out_ << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::vector<std::string> row;
  for (const auto& c : columns_) row.push_back(record.contains(c) ? PlainText(record[c]) : "");
  if (format_ == Format::kCsv) {
    if (!header_written_) {
      out_ << kUtf8Bom;
      for (size_t i = 0; i < columns_.size(); ++i) out_ << (i ? "," : "") << CsvField(columns_[i]);
      out_ << "\n";
      header_written_ = true;
    }
    for (size_t i = 0; i < row.size(); ++i) out_ << (i ? "," : "") << CsvField(row[i]);
    out_ << "\n";
    return;
  }
  rows_.push_back(std::move(row));
}

void RecordWriter::Finish() {
  if (format_ == Format::kCsv && !header_written_) {
    out_ << kUtf8Bom;
    for (size_t i = 0; i < columns_.size(); ++i) out_ << (i ? "," : "") << CsvField(columns_[i]);
    out_ << "\n";
    header_written_ = true;
  }
  if (format_ != Format::kTable) {
    out_.flush();
    return;
  }
  std::vector<size_t> widths(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) widths[i] = DisplayWidth(columns_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], std::min<size_t>(DisplayWidth(row[i]), 60));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      out_ << cell;
      if (i + 1 < row.size()) {
        const size_t w = DisplayWidth(cell);
        out_ << std::string(w < widths[i] ? widths[i] - w + 2 : 2, ' ');
      }
    }
    out_ << "\n";
  };
  print_row(columns_);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  print_row(rule);
  for (const auto& row : rows_) print_row(row);
  rows_.clear();
  out_.flush();
}

}  // namespace reportflow::cli
