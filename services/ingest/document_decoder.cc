#include "services/ingest/document_decoder.h"

#include "common/text/doc_id.h"
#include "common/text/encoding.h"
#include "common/text/utf8.h"
#include "services/ingest/docx_extractor.h"
#include "services/ingest/html_extractor.h"
#include "services/ingest/pdf_extractor.h"
#include "services/ingest/zip_probe.h"

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

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

// OLE2 compound files name their streams in UTF-16LE in the directory.
bool HasUtf16Name(std::string_view bytes, std::string_view name) {
  std::string wide;
  for (char c : name) {
    wide.push_back(c);
    wide.push_back('\0');
  }
  return bytes.find(wide) != std::string_view::npos;
}

std::string Ole2Kind(std::string_view bytes) {
  if (HasUtf16Name(bytes, "WordDocument")) return "doc";
  if (HasUtf16Name(bytes, "Workbook") || HasUtf16Name(bytes, "Book")) return "xls";
  if (HasUtf16Name(bytes, "PowerPoint Document")) return "ppt";
  return "ole2";
}

std::string Extension(const std::string& source) {
  const size_t slash = source.find_last_of("/!");
  const size_t dot = source.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = source.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// A reader-facing name for a format we do not read, with what to do about it.
std::string UnsupportedReason(const std::string& format, const std::string& source) {
  const std::string ext = Extension(source);
  std::string what;
  if (format == "doc" || format == "ole2") {
    what = ext == "wps" ? "Kingsoft WPS document (.wps, OLE2 compound file)"
           : ext == "et" ? "Kingsoft spreadsheet (.et, OLE2 compound file)"
           : format == "doc" ? "legacy Word 97-2003 document (.doc, OLE2 compound file)"
                             : "OLE2 compound file (legacy Office/WPS format)";
  } else if (format == "xls") {
    what = "legacy Excel workbook (.xls)";
  } else if (format == "ppt") {
    what = "legacy PowerPoint presentation (.ppt)";
  } else if (format == "xlsx") {
    what = "Excel workbook (.xlsx)";
  } else if (format == "pptx") {
    what = "PowerPoint presentation (.pptx)";
  } else if (format == "ooxml") {
    what = "Office Open XML package that is not a Word document";
  } else if (format == "odt" || format == "ods" || format == "odp") {
    what = "OpenDocument file (." + format + ")";
  } else if (format == "ofd") {
    what = "OFD e-document (.ofd)";
  } else if (format == "rtf") {
    what = "Rich Text Format (.rtf)";
  } else if (format == "zip" || format == "archive") {
    what = "an archive inside an archive (nested archives are not expanded)";
  } else {
    what = "'" + format + "'";
  }
  return "unsupported format: " + what + ", detected from content; readable formats are plain text, .docx, "
         "web pages (.html) and PDF with a text layer";
}

}  // namespace

std::string DetectFormat(std::string_view bytes) {
  if (StartsWith(bytes, "%PDF-")) return "pdf";
  if (StartsWith(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return Ole2Kind(bytes);  // .doc, .wps, .xls, .ppt
  if (StartsWith(bytes, "PK\x03\x04") || StartsWith(bytes, "PK\x05\x06")) {
    const std::string kind = ZipPackageKind(bytes);
    return kind.empty() ? "zip" : kind;
  }
  if (StartsWith(bytes, "\x89PNG") || StartsWith(bytes, "\xFF\xD8\xFF") || StartsWith(bytes, "GIF8") ||
      StartsWith(bytes, "BM") || StartsWith(bytes, std::string_view("II*\0", 4)) ||
      StartsWith(bytes, std::string_view("MM\0*", 4)) ||
      (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP")) {
    return "image";
  }
  if (StartsWith(bytes, "{\\rtf")) return "rtf";
  if (StartsWith(bytes, "\x1F\x8B") || StartsWith(bytes, "BZh") || StartsWith(bytes, "\xFD" "7zXZ") ||
      StartsWith(bytes, "7z\xBC\xAF\x27\x1C") || StartsWith(bytes, "Rar!") ||
      (bytes.size() > 262 && bytes.substr(257, 5) == "ustar")) {
    return "archive";
  }
  // HTML: the first markup (after a BOM, white space, an XML declaration or
  // comments) is an html/head/body element or doctype.
  size_t i = 0;
  if (StartsWith(bytes, "\xEF\xBB\xBF")) i = 3;
  const size_t first = bytes.find_first_not_of(" \t\r\n", i);
  if (first == std::string_view::npos || bytes[first] != '<') return "txt";  // prose: no markup first
  std::string head(bytes.substr(i, 1024));
  for (char& c : head) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  size_t p = head.find_first_not_of(" \t\r\n");
  while (p != std::string::npos && p < head.size()) {
    std::string_view rest = std::string_view(head).substr(p);
    if (StartsWith(rest, "<!doctype html") || StartsWith(rest, "<html") || StartsWith(rest, "<head") ||
        StartsWith(rest, "<body") || StartsWith(rest, "<meta")) {
      return "html";
    }
    size_t next = std::string::npos;
    if (StartsWith(rest, "<?xml")) {
      const size_t close = head.find("?>", p);
      if (close != std::string::npos) next = close + 2;
    } else if (StartsWith(rest, "<!--")) {
      const size_t close = head.find("-->", p);
      if (close != std::string::npos) next = close + 3;
    }
    if (next == std::string::npos) break;
    p = head.find_first_not_of(" \t\r\n", next);
  }
  return "txt";
}

DecodeOutcome RejectedOutcome(const std::string& source, pb::RejectionCode code, std::string reason) {
  DecodeOutcome out;
  out.rejection.set_source(source);
  out.rejection.set_code(code);
  out.rejection.set_reason(std::move(reason));
  return out;
}

DecodeOutcome DecodeDocument(const std::string& source, std::string_view bytes) {
  if (bytes.empty()) return RejectedOutcome(source, pb::REJECTION_CODE_EMPTY, "empty file (0 bytes)");
  const std::string format = DetectFormat(bytes);
  if (format == "image") return RejectedOutcome(source, pb::REJECTION_CODE_BINARY, "binary content: an image, not a report");
  std::string utf8, encoding;
  if (format == "txt") {
    auto decoded = text::DecodeToUtf8(bytes);
    if (!decoded.ok()) {
      const bool binary = decoded.status().message().find("binary") != std::string::npos;
      return RejectedOutcome(source, binary ? pb::REJECTION_CODE_BINARY : pb::REJECTION_CODE_UNDECODABLE,
                    decoded.status().message());
    }
    utf8 = std::move(decoded->utf8);
    encoding = std::move(decoded->encoding);
  } else if (format == "docx" || format == "html" || format == "pdf") {
    Result<std::string> extracted = Status::Internal("unreachable");
    if (format == "docx") {
      extracted = ExtractDocxText(bytes);
      encoding = "UTF-8";
    } else if (format == "pdf") {
      extracted = ExtractPdfText(bytes);
      encoding = "UTF-8";
    } else {
      auto page = ExtractHtmlText(bytes);
      if (page.ok()) {
        encoding = page->encoding;
        extracted = std::move(page->text);
      } else {
        extracted = page.status();
      }
    }
    if (!extracted.ok()) {
      const Status& s = extracted.status();
      const pb::RejectionCode code = s.code() == StatusCode::kNotFound           ? pb::REJECTION_CODE_EMPTY
                                     : s.code() == StatusCode::kUnimplemented    ? pb::REJECTION_CODE_UNSUPPORTED_FORMAT
                                     : s.code() == StatusCode::kResourceExhausted ? pb::REJECTION_CODE_TOO_LARGE
                                                                                 : pb::REJECTION_CODE_UNDECODABLE;
      return RejectedOutcome(source, code, s.message());
    }
    utf8 = std::move(*extracted);
    if (!text::IsValidUtf8(utf8)) {
      return RejectedOutcome(source, pb::REJECTION_CODE_UNDECODABLE, format + ": extracted text is not valid UTF-8");
    }
  } else {
    return RejectedOutcome(source, pb::REJECTION_CODE_UNSUPPORTED_FORMAT, UnsupportedReason(format, source));
  }
  std::string normalized = text::NormalizeNewlines(utf8);
  if (IsBlank(normalized)) {
    return RejectedOutcome(source, pb::REJECTION_CODE_EMPTY,
                  format == "txt" ? "no text: the file holds only white space"
                                  : "no text: the " + format + " file holds no body text");
  }
  DecodeOutcome out;
  out.ok = true;
  out.doc_id = text::DocIdForText(normalized);
  out.document.set_source(source);
  out.document.set_source_encoding(encoding);
  out.document.set_source_format(format);
  out.document.set_source_bytes(bytes.size());
  out.document.set_text(std::move(normalized));
  return out;
}

}  // namespace reportflow::ingest
