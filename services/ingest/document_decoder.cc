#include "services/ingest/document_decoder.h"

#include "common/text/doc_id.h"
#include "common/text/encoding.h"
#include "common/text/utf8.h"

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

DecodeOutcome Reject(const std::string& source, pb::RejectionCode code, std::string reason) {
  DecodeOutcome out;
  out.rejection.set_source(source);
  out.rejection.set_code(code);
  out.rejection.set_reason(std::move(reason));
  return out;
}

bool IsBlank(std::string_view utf8) {
  size_t pos = 0;
  while (pos < utf8.size()) {
    const char32_t cp = text::DecodeUtf8(utf8, &pos);
    if (!(cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 || cp == 0xA0 || cp == 0xFEFF)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string DetectFormat(std::string_view bytes) {
  if (StartsWith(bytes, "%PDF-")) return "pdf";
  if (StartsWith(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return "doc";  // OLE2: .doc, .wps, .xls
  if (StartsWith(bytes, "PK\x03\x04")) return "docx";
  if (StartsWith(bytes, "\x89PNG") || StartsWith(bytes, "\xFF\xD8\xFF") || StartsWith(bytes, "GIF8") ||
      StartsWith(bytes, "BM") || StartsWith(bytes, "II*\0") || StartsWith(bytes, "MM\0*")) {
    return "image";
  }
  if (StartsWith(bytes, "{\\rtf")) return "rtf";
  // HTML: first non-space bytes look like markup.
  size_t i = 0;
  if (StartsWith(bytes, "\xEF\xBB\xBF")) i = 3;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) ++i;
  std::string head;
  for (size_t k = i; k < bytes.size() && head.size() < 15; ++k) head.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(bytes[k]))));
  if (StartsWith(head, "<!doctype html") || StartsWith(head, "<html") || StartsWith(head, "<head")) return "html";
  return "txt";
}

DecodeOutcome DecodeDocument(const std::string& source, std::string_view bytes) {
  if (bytes.empty()) return Reject(source, pb::REJECTION_CODE_EMPTY, "empty file (0 bytes)");
  const std::string format = DetectFormat(bytes);
  if (format == "image") return Reject(source, pb::REJECTION_CODE_BINARY, "binary content: an image, not a report");
  if (format != "txt") {
    return Reject(source, pb::REJECTION_CODE_UNSUPPORTED_FORMAT,
                  "unsupported format '" + format + "' (detected from content); only plain-text reports are read");
  }
  auto decoded = text::DecodeToUtf8(bytes);
  if (!decoded.ok()) {
    const bool binary = decoded.status().message().find("binary") != std::string::npos;
    return Reject(source, binary ? pb::REJECTION_CODE_BINARY : pb::REJECTION_CODE_UNDECODABLE,
                  decoded.status().message());
  }
  std::string normalized = text::NormalizeNewlines(decoded->utf8);
  if (IsBlank(normalized)) return Reject(source, pb::REJECTION_CODE_EMPTY, "no text: the file holds only white space");
  DecodeOutcome out;
  out.ok = true;
  out.doc_id = text::DocIdForText(normalized);
  out.document.set_source(source);
  out.document.set_source_encoding(decoded->encoding);
  out.document.set_source_format(format);
  out.document.set_source_bytes(bytes.size());
  out.document.set_text(std::move(normalized));
  return out;
}

}  // namespace reportflow::ingest
