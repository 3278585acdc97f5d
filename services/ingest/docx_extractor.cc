#include "services/ingest/docx_extractor.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <vector>

#include "common/base/macros.h"
#include "common/text/utf8.h"

namespace reportflow::ingest {
namespace {

// Element nesting we follow; deeper content is hostile and not read.
constexpr int kMaxDepth = 128;

// The XML parts we read, inflated from the package.
struct Parts {
  std::string document, styles, numbering;
};

Status ReadParts(std::string_view bytes, size_t max_part_bytes, Parts* parts) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return Status::InvalidArgument(std::string("corrupt .docx package: ") + archive_error_string(a.get()));
  }
  archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return Status::InvalidArgument(std::string("corrupt .docx package: ") + archive_error_string(a.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    std::string* target = name == "word/document.xml"    ? &parts->document
                          : name == "word/styles.xml"    ? &parts->styles
                          : name == "word/numbering.xml" ? &parts->numbering
                                                         : nullptr;
    if (target == nullptr) continue;  // archive_read_next_header skips the data
    std::array<char, 65536> buf;
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n < 0) return Status::InvalidArgument("corrupt .docx part " + name + ": " + archive_error_string(a.get()));
      if (n == 0) break;
      target->append(buf.data(), static_cast<size_t>(n));
      if (target->size() > max_part_bytes) {
        return Status::ResourceExhausted(".docx part " + name + " inflates beyond " + std::to_string(max_part_bytes) +
                                         " bytes");
      }
    }
  }
  if (parts->document.empty()) return Status::InvalidArgument("corrupt .docx package: no word/document.xml");
  return Status::OK();
}

// Local name of a namespaced tag ("w:p" -> "p").
std::string_view Local(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}
std::string_view Prefix(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? std::string_view() : name.substr(0, colon);
}
bool Is(const pugi::xml_node& n, std::string_view local) { return Prefix(n) == "w" && Local(n) == local; }

pugi::xml_node Child(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (Is(c, local)) return c;
  }
  return {};
}
std::string Val(const pugi::xml_node& n) { return n ? n.attribute("w:val").as_string() : ""; }
int IntVal(const pugi::xml_node& n, int fallback) {
  if (!n) return fallback;
  const char* v = n.attribute("w:val").as_string(nullptr);
  return v ? n.attribute("w:val").as_int(fallback) : fallback;
}

struct NumRef {
  int num_id = -1;  // -1: not set; 0: numbering explicitly removed
  int ilvl = 0;
};

struct Level {
  bool legal = false;  // w:isLgl: referenced levels shown as decimal
  int start = 1;
  std::string fmt = "decimal";
  std::string text;
};

// numbering.xml: numId -> abstract definition levels (with start overrides).
struct Numbering {
  std::map<int, std::map<int, Level>> abstract;
  std::map<int, int> num_to_abstract;
  std::map<int, std::map<int, int>> start_override;  // numId -> ilvl -> start
  // Counters per abstract numbering (Word continues a list across numIds
  // sharing an abstractNum unless a start override restarts it).
  std::map<int, std::array<int, 9>> counters;
  std::map<int, std::array<bool, 9>> seen;
  std::map<int, bool> num_used;  // numIds seen so far (start overrides restart once)
};

void LoadNumbering(const std::string& xml, Numbering* numbering) {
  pugi::xml_document doc;
  if (xml.empty() || !doc.load_buffer(xml.data(), xml.size())) return;
  pugi::xml_node root = doc.document_element();
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    if (Is(n, "abstractNum")) {
      const int id = n.attribute("w:abstractNumId").as_int(-1);
      for (pugi::xml_node lvl = n.first_child(); lvl; lvl = lvl.next_sibling()) {
        if (!Is(lvl, "lvl")) continue;
        const int ilvl = lvl.attribute("w:ilvl").as_int(-1);
        if (ilvl < 0 || ilvl > 8) continue;
        Level level;
        level.start = IntVal(Child(lvl, "start"), 1);
        if (pugi::xml_node lgl = Child(lvl, "isLgl")) level.legal = std::string_view(lgl.attribute("w:val").as_string("1")) != "0";
        if (pugi::xml_node f = Child(lvl, "numFmt")) level.fmt = Val(f);
        level.text = Val(Child(lvl, "lvlText"));
        numbering->abstract[id][ilvl] = level;
      }
    } else if (Is(n, "num")) {
      const int id = n.attribute("w:numId").as_int(-1);
      numbering->num_to_abstract[id] = IntVal(Child(n, "abstractNumId"), -1);
      for (pugi::xml_node o = n.first_child(); o; o = o.next_sibling()) {
        if (!Is(o, "lvlOverride")) continue;
        if (pugi::xml_node s = Child(o, "startOverride")) {
          numbering->start_override[id][o.attribute("w:ilvl").as_int(0)] = IntVal(s, 1);
        }
      }
    }
  }
}

// Style id -> numbering reference, following w:basedOn.
struct Styles {
  std::map<std::string, NumRef> num;
  std::map<std::string, std::string> based_on;
  std::string default_paragraph;
};

void LoadStyles(const std::string& xml, Styles* styles) {
  pugi::xml_document doc;
  if (xml.empty() || !doc.load_buffer(xml.data(), xml.size())) return;
  for (pugi::xml_node s = doc.document_element().first_child(); s; s = s.next_sibling()) {
    if (!Is(s, "style") || std::string_view(s.attribute("w:type").as_string()) != "paragraph") continue;
    const std::string id = s.attribute("w:styleId").as_string();
    if (s.attribute("w:default").as_bool()) styles->default_paragraph = id;
    if (pugi::xml_node b = Child(s, "basedOn")) styles->based_on[id] = Val(b);
    if (pugi::xml_node numpr = Child(Child(s, "pPr"), "numPr")) {
      NumRef ref;
      ref.num_id = IntVal(Child(numpr, "numId"), -1);
      ref.ilvl = IntVal(Child(numpr, "ilvl"), 0);
      styles->num[id] = ref;
    }
  }
}

NumRef StyleNumbering(const Styles& styles, std::string id) {
  for (int depth = 0; depth < 16 && !id.empty(); ++depth) {
    auto it = styles.num.find(id);
    if (it != styles.num.end()) return it->second;
    auto b = styles.based_on.find(id);
    if (b == styles.based_on.end()) break;
    id = b->second;
  }
  return {};
}

// Chinese numerals as Word writes them for chineseCounting (十一, 二十) and
// chineseCountingThousand (一百零五).
std::string ChineseNumber(int n) {
  static const char* kDigits[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n <= 0) return kDigits[0];
  if (n >= 10000) return std::to_string(n);
  std::string out;
  const int thousands = n / 1000, hundreds = (n / 100) % 10, tens = (n / 10) % 10, ones = n % 10;
  bool zero = false;
  if (thousands) out += std::string(kDigits[thousands]) + "千";
  if (hundreds) {
    out += std::string(kDigits[hundreds]) + "百";
  } else if (thousands && (tens || ones)) {
    zero = true;
  }
  if (tens) {
    if (zero) out += kDigits[0];
    zero = false;
    if (!(tens == 1 && n < 20)) out += kDigits[tens];
    out += "十";
  } else if ((thousands || hundreds) && ones) {
    zero = true;
  }
  if (ones) {
    if (zero) out += kDigits[0];
    out += kDigits[ones];
  }
  return out;
}

std::string Letters(int n, char base) {
  std::string out;
  if (n <= 0) return out;
  const int repeat = (n - 1) / 26 + 1;
  out.assign(static_cast<size_t>(std::min(repeat, 64)), static_cast<char>(base + (n - 1) % 26));
  return out;
}

std::string Roman(int n, bool upper) {
  if (n <= 0 || n >= 4000) return std::to_string(n);
  static const std::pair<int, const char*> kTable[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"},
                                                       {90, "xc"},  {50, "l"},   {40, "xl"},  {10, "x"},   {9, "ix"},
                                                       {5, "v"},    {4, "iv"},   {1, "i"}};
  std::string out;
  for (const auto& [value, digits] : kTable) {
    while (n >= value) {
      out += digits;
      n -= value;
    }
  }
  if (upper) {
    for (char& c : out) c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string FormatNumber(int n, const std::string& fmt) {
  if (fmt == "chineseCounting" || fmt == "chineseCountingThousand" || fmt == "chineseLegalSimplified" ||
      fmt == "ideographDigital" || fmt == "taiwaneseCounting" || fmt == "taiwaneseCountingThousand") {
    return ChineseNumber(n);
  }
  if (fmt == "ideographTraditional") {  // 甲乙丙丁...
    static const char* kStems[] = {"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"};
    return n >= 1 && n <= 10 ? kStems[n - 1] : std::to_string(n);
  }
  if (fmt == "decimalEnclosedCircle" || fmt == "decimalEnclosedCircleChinese") {
    std::string out;
    if (n >= 1 && n <= 20) {
      text::AppendUtf8(static_cast<char32_t>(0x2460 + n - 1), &out);
      return out;
    }
    return std::to_string(n);
  }
  if (fmt == "decimalFullWidth" || fmt == "decimalFullWidth2") {
    std::string out;
    for (char c : std::to_string(n)) text::AppendUtf8(static_cast<char32_t>(0xFF10 + (c - '0')), &out);
    return out;
  }
  if (fmt == "decimalZero") return (n < 10 ? "0" : "") + std::to_string(n);
  if (fmt == "lowerLetter") return Letters(n, 'a');
  if (fmt == "upperLetter") return Letters(n, 'A');
  if (fmt == "lowerRoman") return Roman(n, false);
  if (fmt == "upperRoman") return Roman(n, true);
  if (fmt == "none") return "";
  return std::to_string(n);  // decimal and anything unknown
}

// The number text for one numbered paragraph; advances the counters.
std::string NextNumberText(Numbering* numbering, const NumRef& ref) {
  if (ref.num_id <= 0) return "";
  auto abs_it = numbering->num_to_abstract.find(ref.num_id);
  if (abs_it == numbering->num_to_abstract.end()) return "";
  auto def_it = numbering->abstract.find(abs_it->second);
  if (def_it == numbering->abstract.end()) return "";
  const auto& levels = def_it->second;
  const int ilvl = std::clamp(ref.ilvl, 0, 8);
  auto lvl_it = levels.find(ilvl);
  if (lvl_it == levels.end()) return "";
  auto& counters = numbering->counters[abs_it->second];
  auto& seen = numbering->seen[abs_it->second];
  auto start_of = [&](int level) {
    auto o = numbering->start_override.find(ref.num_id);
    if (o != numbering->start_override.end()) {
      auto s = o->second.find(level);
      if (s != o->second.end()) return s->second;
    }
    auto l = levels.find(level);
    return l == levels.end() ? 1 : l->second.start;
  };
  if (!numbering->num_used[ref.num_id]) {
    numbering->num_used[ref.num_id] = true;
    auto o = numbering->start_override.find(ref.num_id);
    if (o != numbering->start_override.end()) {
      for (const auto& [level_index, start] : o->second) {
        if (level_index >= 0 && level_index < 9) seen[level_index] = false;
      }
    }
  }
  if (!seen[ilvl]) {
    counters[ilvl] = start_of(ilvl);
    seen[ilvl] = true;
  } else {
    ++counters[ilvl];
  }
  for (int deeper = ilvl + 1; deeper < 9; ++deeper) seen[deeper] = false;
  const Level& level = lvl_it->second;
  if (level.fmt == "bullet") return "";  // bullets are decoration, not text
  std::string out;
  const std::string& pattern = level.text;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] >= '1' && pattern[i + 1] <= '9') {
      const int ref_level = pattern[i + 1] - '1';
      auto rl = levels.find(ref_level);
      const int value = seen[ref_level] ? counters[ref_level] : start_of(ref_level);
      out += FormatNumber(value, rl == levels.end() || level.legal ? "decimal" : rl->second.fmt);
      ++i;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return out;
}

// Collects the visible text of a paragraph (or any run container).
class ParagraphText {
 public:
  void Walk(const pugi::xml_node& node, int depth = 0) {
    if (depth > kMaxDepth) return;  // hostile nesting: bounded stack
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      const std::string_view prefix = Prefix(c), local = Local(c);
      if (prefix == "mc") {
        // Alternate content: read the fallback-free choice only once.
        if (local == "AlternateContent") {
          if (pugi::xml_node choice = c.child("mc:Choice")) Walk(choice, depth + 1);
        }
        continue;
      }
      if (prefix != "w") continue;
      if (local == "t") {
        if (field_depth_instr_ == 0) text_ += c.text().get();
      } else if (local == "tab" || local == "ptab") {
        if (field_depth_instr_ == 0) text_ += "\t";
      } else if (local == "br" || local == "cr") {
        if (field_depth_instr_ == 0) text_ += "\n";
      } else if (local == "noBreakHyphen" || local == "softHyphen") {
        if (field_depth_instr_ == 0 && local == "noBreakHyphen") text_ += "-";
      } else if (local == "fldChar") {
        const std::string_view type = c.attribute("w:fldCharType").as_string();
        if (type == "begin") {
          fields_.push_back(true);
          ++field_depth_instr_;
        } else if (type == "separate") {
          if (!fields_.empty() && fields_.back()) {
            fields_.back() = false;
            --field_depth_instr_;
          }
        } else if (type == "end") {
          if (!fields_.empty()) {
            if (fields_.back()) --field_depth_instr_;
            fields_.pop_back();
          }
        }
      } else if (local == "instrText" || local == "delText" || local == "del" || local == "moveFrom" ||
                 local == "rPr" || local == "pPr" || local == "drawing" || local == "pict" || local == "object" ||
                 local == "commentReference" || local == "footnoteReference" || local == "endnoteReference") {
        // Word residue and non-text content.
      } else {
        Walk(c, depth + 1);  // r, hyperlink, ins, smartTag, sdt, sdtContent, fldSimple, customXml ...
      }
    }
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
  std::vector<bool> fields_;  // true while in the instruction part of a field
  int field_depth_instr_ = 0;
};

class BodyWriter {
 public:
  BodyWriter(Styles styles, Numbering numbering) : styles_(std::move(styles)), numbering_(std::move(numbering)) {}

  void Block(const pugi::xml_node& container, std::vector<std::string>* lines, int depth) {
    if (depth > kMaxDepth) return;
    for (pugi::xml_node c = container.first_child(); c; c = c.next_sibling()) {
      if (Is(c, "p")) {
        lines->push_back(Paragraph(c));
      } else if (Is(c, "tbl")) {
        Table(c, lines, depth);
      } else if (Is(c, "sdt")) {
        if (pugi::xml_node content = Child(c, "sdtContent")) Block(content, lines, depth + 1);
      } else if (Is(c, "customXml") || Is(c, "ins")) {
        Block(c, lines, depth + 1);
      }
    }
  }

 private:
  std::string Paragraph(const pugi::xml_node& p) {
    pugi::xml_node ppr = Child(p, "pPr");
    NumRef ref;
    if (pugi::xml_node numpr = Child(ppr, "numPr")) {
      ref.num_id = IntVal(Child(numpr, "numId"), -1);
      ref.ilvl = IntVal(Child(numpr, "ilvl"), 0);
    }
    std::string style = Val(Child(ppr, "pStyle"));
    if (style.empty()) style = styles_.default_paragraph;
    if (ref.num_id < 0) {
      NumRef from_style = StyleNumbering(styles_, style);
      if (pugi::xml_node numpr = Child(ppr, "numPr"); numpr && !Child(numpr, "numId")) {
        from_style.ilvl = IntVal(Child(numpr, "ilvl"), from_style.ilvl);
      }
      ref = from_style;
    }
    ParagraphText text;
    text.Walk(p);
    std::string body = text.Take();
    return NextNumberText(&numbering_, ref) + body;
  }

  void Table(const pugi::xml_node& tbl, std::vector<std::string>* lines, int depth) {
    for (pugi::xml_node tr = tbl.first_child(); tr; tr = tr.next_sibling()) {
      if (!Is(tr, "tr")) continue;
      std::string row;
      bool first = true;
      for (pugi::xml_node tc = tr.first_child(); tc; tc = tc.next_sibling()) {
        if (!Is(tc, "tc")) continue;
        std::vector<std::string> cell_lines;
        Block(tc, &cell_lines, depth + 1);
        std::string cell;
        for (const auto& l : cell_lines) {
          if (l.empty()) continue;
          if (!cell.empty()) cell += " ";
          for (char ch : l) cell.push_back(ch == '\n' || ch == '\t' ? ' ' : ch);
        }
        if (!first) row += "\t";
        row += cell;
        first = false;
      }
      lines->push_back(std::move(row));
    }
  }

  Styles styles_;
  Numbering numbering_;
};

}  // namespace

Result<std::string> ExtractDocxText(std::string_view bytes, size_t max_part_bytes) {
  Parts parts;
  RETURN_IF_ERROR(ReadParts(bytes, max_part_bytes, &parts));
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(parts.document.data(), parts.document.size());
  if (!parsed) {
    return Status::InvalidArgument(std::string("corrupt .docx: word/document.xml is not well-formed XML (") +
                                   parsed.description() + " at byte " + std::to_string(parsed.offset) + ")");
  }
  pugi::xml_node body = Child(doc.document_element(), "body");
  if (!body) return Status::InvalidArgument("corrupt .docx: word/document.xml has no w:body");
  Styles styles;
  LoadStyles(parts.styles, &styles);
  Numbering numbering;
  LoadNumbering(parts.numbering, &numbering);
  BodyWriter writer(std::move(styles), std::move(numbering));
  std::vector<std::string> lines;
  writer.Block(body, &lines, 0);
  std::string out;
  for (const auto& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace reportflow::ingest
