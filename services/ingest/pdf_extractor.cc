#include "services/ingest/pdf_extractor.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

#include "common/text/utf8.h"

namespace reportflow::ingest {
namespace {

void SilentPopplerErrors(const std::string&, void*) {}

bool IsSpace(char32_t cp) { return cp == ' ' || cp == '\t' || cp == '\r' || cp == 0xA0 || cp == 0x3000 || cp == 0x0C; }

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e) {
    size_t p = b;
    if (!IsSpace(text::DecodeUtf8(s, &p))) break;
    b = p;
  }
  while (e > b) {
    size_t k = e - 1;
    while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    size_t p = k;
    if (!IsSpace(text::DecodeUtf8(s, &p))) break;
    e = k;
  }
  return s.substr(b, e - b);
}

// Display width: wide (CJK, full-width) characters count 2, others 1.
size_t Width(const std::string& s) {
  size_t w = 0, pos = 0;
  while (pos < s.size()) {
    const char32_t cp = text::DecodeUtf8(s, &pos);
    w += cp >= 0x1100 ? 2 : 1;
  }
  return w;
}

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool IsChineseDigit(char32_t cp) {
  static const char32_t kDigits[] = {U'一', U'二', U'三', U'四', U'五', U'六', U'七', U'八', U'九', U'十', U'〇', U'零', U'百'};
  return std::find(std::begin(kDigits), std::end(kDigits), cp) != std::end(kDigits);
}

// 一、 （二） (三) 1. 1、 １． 第四章 第二节 第3条
bool StartsWithHeadingMarker(const std::string& line) {
  size_t pos = 0;
  if (line.empty()) return false;
  char32_t cp = text::DecodeUtf8(line, &pos);
  if (cp == U'（' || cp == '(') {
    size_t p = pos, n = 0;
    char32_t c = 0;
    while (p < line.size()) {
      const size_t before = p;
      c = text::DecodeUtf8(line, &p);
      if (!(IsChineseDigit(c) || (c >= '0' && c <= '9'))) {
        p = before;
        break;
      }
      ++n;
    }
    if (n == 0 || p >= line.size()) return false;
    c = text::DecodeUtf8(line, &p);
    return c == U'）' || c == ')';
  }
  if (cp == U'第') {
    size_t p = pos, n = 0;
    char32_t c = 0;
    while (p < line.size() && n < 6) {
      c = text::DecodeUtf8(line, &p);
      if (!(IsChineseDigit(c) || (c >= '0' && c <= '9'))) break;
      ++n;
    }
    return n > 0 && (c == U'章' || c == U'节' || c == U'条' || c == U'部');
  }
  size_t p = 0, n = 0;
  char32_t c = 0;
  while (p < line.size() && n < 4) {
    c = text::DecodeUtf8(line, &p);
    if (!(IsChineseDigit(c) || (c >= '0' && c <= '9') || (c >= U'０' && c <= U'９'))) break;
    ++n;
  }
  return n > 0 && (c == U'、' || c == '.' || c == U'．');
}

// - 3 -   — 3 —   3   第3页   第3页 共9页   3/9
bool IsPageNumberLine(const std::string& line) {
  std::string bare;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t start = pos;
    const char32_t cp = text::DecodeUtf8(line, &pos);
    if (IsSpace(cp) || cp == '-' || cp == U'—' || cp == U'－' || cp == U'–') continue;
    bare.append(line, start, pos - start);
  }
  if (bare.empty()) return false;
  if (std::all_of(bare.begin(), bare.end(), [](char c) { return c >= '0' && c <= '9'; })) return bare.size() <= 4;
  const size_t slash = bare.find('/');
  if (slash != std::string::npos && slash > 0 && slash + 1 < bare.size() && bare.size() <= 9 &&
      std::all_of(bare.begin(), bare.end(), [](char c) { return (c >= '0' && c <= '9') || c == '/'; })) {
    return true;
  }
  // 第N页 [共M页]
  if (bare.rfind("第", 0) == 0 && bare.find("页") != std::string::npos && Width(bare) <= 20) {
    for (char c : bare) {
      if (static_cast<unsigned char>(c) < 0x80 && !(c >= '0' && c <= '9')) return false;
    }
    return true;
  }
  return false;
}

// Drops spaces between a wide (CJK) character and anything but another space:
// Chinese text has no word spaces; poppler reports the visual gaps.
std::string CollapseCjkSpaces(const std::string& line) {
  std::vector<char32_t> cps;
  size_t pos = 0;
  while (pos < line.size()) cps.push_back(text::DecodeUtf8(line, &pos));
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == ' ' && i > 0 && i + 1 < cps.size() && cps[i + 1] != ' ' &&
        (cps[i - 1] >= 0x2E80 || cps[i + 1] >= 0x2E80)) {
      continue;
    }
    text::AppendUtf8(cps[i], &out);
  }
  return out;
}

// Groups a page's words (reading order) into lines with their geometry.
std::vector<PdfLine> PageLines(const poppler::page& page) {
  struct Geo {
    std::string text;
    double left = 0, right = 0, top = 0, bottom = 0;
  };
  std::vector<Geo> geo;
  bool space_after = false;
  for (const poppler::text_box& box : page.text_list()) {
    const poppler::rectf r = box.bbox();
    const poppler::byte_array utf8 = box.text().to_utf8();
    std::string word(utf8.begin(), utf8.end());
    if (!text::IsValidUtf8(word)) continue;
    const double h = std::max(r.height(), 1.0);
    const double center = (r.top() + r.bottom()) / 2;
    bool new_line = geo.empty();
    if (!new_line) {
      const Geo& cur = geo.back();
      const double cur_h = std::max(cur.bottom - cur.top, 1.0);
      const double cur_center = (cur.top + cur.bottom) / 2;
      new_line = std::abs(center - cur_center) > 0.5 * std::max(h, cur_h) || r.left() < cur.right - 2 * h;
    }
    if (new_line) {
      geo.push_back({word, r.left(), r.right(), r.top(), r.bottom()});
    } else {
      Geo& cur = geo.back();
      if (space_after) cur.text += ' ';
      cur.text += word;
      cur.left = std::min(cur.left, r.left());
      cur.right = std::max(cur.right, r.right());
      cur.top = std::min(cur.top, r.top());
      cur.bottom = std::max(cur.bottom, r.bottom());
    }
    space_after = box.has_space_after();
  }
  std::vector<PdfLine> lines;
  double max_right = 0, min_left = 1e9;
  std::vector<Geo> kept;
  for (auto& g : geo) {
    g.text = Trim(CollapseCjkSpaces(g.text));
    if (g.text.empty() || IsPageNumberLine(g.text)) continue;
    max_right = std::max(max_right, g.right);
    min_left = std::min(min_left, g.left);
    kept.push_back(std::move(g));
  }
  for (auto& g : kept) {
    const double em = std::max(g.bottom - g.top, 1.0);
    PdfLine line;
    line.text = std::move(g.text);
    line.reaches_right = g.right >= max_right - 1.5 * em;
    line.indented = g.left > min_left + 0.8 * em;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::string JoinPdfLines(const std::vector<PdfLine>& lines) {
  std::string out;
  bool continuing = false;  // the previous line continues on this one
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i].text;
    if (continuing && !out.empty() && IsAsciiAlnum(out.back()) && !line.empty() && IsAsciiAlnum(line.front())) {
      out += ' ';
    }
    out += line;
    continuing = lines[i].reaches_right && i + 1 < lines.size() && !lines[i + 1].indented &&
                 !lines[i + 1].text.empty() && !StartsWithHeadingMarker(lines[i + 1].text);
    if (!continuing) out += '\n';
  }
  return out;
}

Result<std::string> ExtractPdfText(std::string_view bytes) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function(&SilentPopplerErrors, nullptr); });
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return Status::ResourceExhausted("PDF too large");
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) return Status::InvalidArgument("corrupt PDF: poppler cannot open it");
  if (doc->is_locked()) return Status::Unimplemented("encrypted PDF (a password is needed to read it)");
  const int pages = doc->pages();
  std::vector<PdfLine> lines;
  int pages_with_text = 0;
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    std::vector<PdfLine> page_lines = PageLines(*page);
    if (!page_lines.empty()) ++pages_with_text;
    for (auto& l : page_lines) lines.push_back(std::move(l));
  }
  if (pages_with_text == 0) {
    return Status::NotFound("scanned PDF, no text layer (" + std::to_string(pages) +
                            " page(s) without extractable text; it needs OCR first)");
  }
  return JoinPdfLines(lines);
}

}  // namespace reportflow::ingest
