#include "services/ingest/html_extractor.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/text/encoding.h"
#include "common/base/macros.h"
#include "common/text/utf8.h"

namespace reportflow::ingest {
namespace {

// Element nesting we follow; deeper markup is hostile and not read.
constexpr int kMaxDepth = 512;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The charset named by a <meta> in the first 4 KiB, or "".
std::string DeclaredCharset(std::string_view bytes) {
  const std::string head = Lower(bytes.substr(0, 4096));
  size_t pos = 0;
  while ((pos = head.find("charset", pos)) != std::string::npos) {
    size_t i = pos + 7;
    while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
    if (i < head.size() && head[i] == '=') {
      ++i;
      while (i < head.size() && (head[i] == ' ' || head[i] == '"' || head[i] == '\'')) ++i;
      size_t end = i;
      while (end < head.size() && (std::isalnum(static_cast<unsigned char>(head[end])) || head[end] == '-' ||
                                   head[end] == '_' || head[end] == ':' || head[end] == '.')) {
        ++end;
      }
      if (end > i) return head.substr(i, end - i);
    }
    pos += 7;
  }
  return "";
}

std::string CanonicalCharset(const std::string& name) {
  if (name == "gb2312" || name == "gbk" || name == "x-gbk" || name == "gb_2312-80" || name == "cp936" ||
      name == "gb18030" || name == "euc-cn" || name == "windows-936") {
    return "GB18030";
  }
  if (name == "utf-8" || name == "utf8") return "UTF-8";
  return name;
}

Result<HtmlText> DecodePage(std::string_view bytes) {
  const bool bom = bytes.substr(0, 3) == "\xEF\xBB\xBF" || bytes.substr(0, 2) == "\xFF\xFE" ||
                   bytes.substr(0, 2) == "\xFE\xFF";
  const std::string declared = bom ? "" : CanonicalCharset(DeclaredCharset(bytes));
  HtmlText out;
  if (!declared.empty()) {
    auto converted = text::ConvertToUtf8(bytes, declared.c_str());
    if (converted.ok()) {
      out.text = std::move(*converted);
      out.encoding = declared;
      return out;
    }
    // Pages often declare one charset and are saved in another: detect.
    auto detected = text::DecodeToUtf8(bytes);
    if (!detected.ok()) {
      return Status::InvalidArgument("web page declares charset " + declared + " but is not valid in it (" +
                                     converted.status().message() + "), nor in any detected charset");
    }
    out.text = std::move(detected->utf8);
    out.encoding = detected->encoding;
    return out;
  }
  auto detected = text::DecodeToUtf8(bytes);
  if (!detected.ok()) return Status::InvalidArgument("web page: " + detected.status().message());
  out.text = std::move(detected->utf8);
  out.encoding = detected->encoding;
  return out;
}

std::string_view Tag(const xmlNode* n) { return n->name ? reinterpret_cast<const char*>(n->name) : ""; }

bool IsBlockTag(std::string_view t) {
  static const char* kBlocks[] = {"address", "article", "aside",  "blockquote", "body",   "center",   "dd",
                                  "details", "dialog",  "dir",    "div",        "dl",     "dt",       "fieldset",
                                  "figcaption", "figure", "footer", "form",     "h1",     "h2",       "h3",
                                  "h4",      "h5",      "h6",     "header",     "hr",     "html",     "li",
                                  "main",    "menu",    "nav",    "ol",         "p",      "pre",      "section",
                                  "summary", "table",   "tbody",  "td",         "tfoot",  "th",       "thead",
                                  "tr",      "ul",      "caption"};
  for (const char* b : kBlocks) {
    if (t == b) return true;
  }
  return false;
}

// Markup that never holds the article text.
bool IsDroppedTag(std::string_view t) {
  static const char* kDropped[] = {"script", "style",  "noscript", "template", "iframe", "object", "embed",
                                   "svg",    "canvas", "form",     "select",   "button", "input",  "textarea",
                                   "nav",    "header", "footer",   "aside",    "head",   "menu",   "map",
                                   "audio",  "video",  "link",     "meta"};
  for (const char* d : kDropped) {
    if (t == d) return true;
  }
  return false;
}

bool IsHidden(const xmlNode* n) {
  if (xmlHasProp(n, BAD_CAST "hidden")) return true;
  xmlChar* style = xmlGetProp(n, BAD_CAST "style");
  if (!style) return false;
  std::string s = Lower(reinterpret_cast<const char*>(style));
  xmlFree(style);
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s.find("display:none") != std::string::npos || s.find("visibility:hidden") != std::string::npos;
}

bool Skipped(const xmlNode* n) { return n->type == XML_ELEMENT_NODE && (IsDroppedTag(Tag(n)) || IsHidden(n)); }

bool IsSentencePunct(char32_t cp) {
  return cp == 0x3002 || cp == 0xFF0C || cp == 0xFF1B || cp == 0xFF1A || cp == 0x3001 || cp == 0xFF01 ||
         cp == 0xFF1F || cp == ',' || cp == ';';
}

bool IsSpace(char32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0xA0 || cp == 0x3000; }

struct Stats {
  size_t chars = 0;       // non-space code points in the subtree
  size_t link_chars = 0;  // of which inside <a>
  size_t own_chars = 0;   // in text reaching this block without another block in between
  size_t own_link = 0;
  size_t own_punct = 0;
  double own_score = 0;   // paragraph score
  double score = 0;       // candidate score: own + children + grandchildren/2
};

class PageAnalyzer {
 public:
  explicit PageAnalyzer(xmlNode* root) : root_(root) {}

  xmlNode* FindArticle() {
    Measure(root_, nullptr, false, 0);
    // Paragraph scores flow to the parent block (full) and grandparent (half).
    for (auto& [node, st] : stats_) {
      if (st.own_chars < 25) continue;
      const double density = static_cast<double>(st.own_link) / static_cast<double>(st.own_chars);
      st.own_score = (1.0 + static_cast<double>(st.own_punct) + std::min(static_cast<double>(st.own_chars) / 100.0, 3.0)) *
                     (1.0 - density);
    }
    for (auto& [node, st] : stats_) {
      if (st.own_score <= 0) continue;
      st.score += st.own_score;
      xmlNode* parent = BlockParent(node);
      if (parent) stats_[parent].score += st.own_score;
      xmlNode* grand = parent ? BlockParent(parent) : nullptr;
      if (grand) stats_[grand].score += st.own_score / 2;
    }
    xmlNode* best = nullptr;
    double best_score = 0;
    for (auto& [node, st] : stats_) {
      if (st.chars == 0) continue;
      const double adjusted = st.score * (1.0 - static_cast<double>(st.link_chars) / static_cast<double>(st.chars));
      if (adjusted > best_score || (adjusted == best_score && best && Depth(node) > Depth(best))) {
        best = node;
        best_score = adjusted;
      }
    }
    return best;
  }

  const Stats& StatsOf(xmlNode* n) { return stats_[n]; }

 private:
  // Returns the non-space characters of n's subtree; fills stats for blocks.
  void Measure(xmlNode* n, xmlNode* block, bool in_link, int depth) {
    if (depth > kMaxDepth) return;
    for (xmlNode* c = n->children; c; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        if (!block || !c->content) continue;
        std::string_view s(reinterpret_cast<const char*>(c->content));
        size_t pos = 0, chars = 0, punct = 0;
        while (pos < s.size()) {
          const char32_t cp = text::DecodeUtf8(s, &pos);
          if (IsSpace(cp)) continue;
          ++chars;
          if (IsSentencePunct(cp)) ++punct;
        }
        Stats& b = stats_[block];
        b.own_chars += chars;
        b.own_punct += punct;
        if (in_link) b.own_link += chars;
        for (xmlNode* up = block; up; up = parent_block_[up]) {
          Stats& u = stats_[up];
          u.chars += chars;
          if (in_link) u.link_chars += chars;
        }
        continue;
      }
      if (c->type != XML_ELEMENT_NODE || Skipped(c)) continue;
      const std::string_view tag = Tag(c);
      if (IsBlockTag(tag)) {
        parent_block_[c] = block;
        depth_[c] = block ? depth_[block] + 1 : 0;
        stats_[c];
        Measure(c, c, in_link || tag == "a", depth + 1);
      } else {
        Measure(c, block, in_link || tag == "a", depth + 1);
      }
    }
  }

  xmlNode* BlockParent(xmlNode* n) {
    auto it = parent_block_.find(n);
    return it == parent_block_.end() ? nullptr : it->second;
  }
  int Depth(xmlNode* n) { return depth_[n]; }

  xmlNode* root_;
  std::unordered_map<xmlNode*, Stats> stats_;
  std::unordered_map<xmlNode*, xmlNode*> parent_block_;
  std::unordered_map<xmlNode*, int> depth_;
};

bool IsWide(char32_t cp) { return cp >= 0x2E80; }

// Collapses HTML white space; a collapsed run that held a line break between
// two wide (CJK) characters disappears, as browsers render it.
class LineWriter {
 public:
  void Text(std::string_view s) {
    size_t pos = 0;
    while (pos < s.size()) {
      const size_t start = pos;
      const char32_t cp = text::DecodeUtf8(s, &pos);
      if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f') {
        pending_space_ = true;
        pending_break_ = pending_break_ || cp == '\n' || cp == '\r';
        continue;
      }
      if (pending_space_ && !line_.empty()) {
        if (!(pending_break_ && IsWide(last_) && IsWide(cp))) line_ += ' ';
      }
      pending_space_ = pending_break_ = false;
      if (cp == 0xA0) {
        line_ += ' ';
      } else {
        line_.append(s.substr(start, pos - start));
      }
      last_ = cp;
    }
  }
  void Break() {
    pending_space_ = pending_break_ = false;
    std::string line = Trim(line_);
    line_.clear();
    last_ = 0;
    if (!line.empty()) lines_.push_back(std::move(line));
  }
  std::vector<std::string>& lines() { return lines_; }

  static std::string Trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e) {
      size_t p = b;
      const char32_t cp = text::DecodeUtf8(s, &p);
      if (!IsSpace(cp)) break;
      b = p;
    }
    while (e > b) {
      size_t k = e - 1;
      while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
      size_t p = k;
      const char32_t cp = text::DecodeUtf8(s, &p);
      if (!IsSpace(cp)) break;
      e = k;
    }
    return s.substr(b, e - b);
  }

 private:
  std::string line_;
  std::vector<std::string> lines_;
  bool pending_space_ = false, pending_break_ = false;
  char32_t last_ = 0;
};

void WriteInline(xmlNode* n, LineWriter* w, int depth) {
  if (depth > kMaxDepth) return;
  for (xmlNode* c = n->children; c; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
      w->Text(reinterpret_cast<const char*>(c->content));
    } else if (c->type == XML_ELEMENT_NODE && !Skipped(c)) {
      WriteInline(c, w, depth + 1);
    }
  }
}

class ArticleWriter {
 public:
  explicit ArticleWriter(PageAnalyzer* analyzer) : analyzer_(analyzer) {}

  void Write(xmlNode* n, int depth) {
    if (depth > kMaxDepth) return;
    for (xmlNode* c = n->children; c; c = c->next) {
      if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
        w_.Text(reinterpret_cast<const char*>(c->content));
        continue;
      }
      if (c->type != XML_ELEMENT_NODE || Skipped(c)) continue;
      const std::string_view tag = Tag(c);
      if (tag == "br" || tag == "hr") {
        w_.Break();
        continue;
      }
      if (!IsBlockTag(tag)) {
        Write(c, depth + 1);
        continue;
      }
      const Stats& st = analyzer_->StatsOf(c);
      if (st.chars > 0 && st.link_chars * 2 > st.chars) continue;  // link list: navigation, related items
      w_.Break();
      if (tag == "tr") {
        Row(c, depth);
      } else {
        Write(c, depth + 1);
      }
      w_.Break();
    }
  }

  std::vector<std::string>& Finish() {
    w_.Break();
    return w_.lines();
  }

 private:
  // One line per table row; cells separated by a tab.
  void Row(xmlNode* tr, int depth) {
    std::string row;
    bool first = true;
    for (xmlNode* c = tr->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE || (Tag(c) != "td" && Tag(c) != "th") || Skipped(c)) continue;
      LineWriter cell;
      WriteInline(c, &cell, depth + 1);
      cell.Break();
      std::string text;
      for (const auto& l : cell.lines()) text += (text.empty() ? "" : " ") + l;
      if (!first) row += '\t';
      row += text;
      first = false;
    }
    w_.Break();
    if (!LineWriter::Trim(row).empty()) w_.lines().push_back(std::move(row));
  }

  PageAnalyzer* analyzer_;
  LineWriter w_;
};

// Page furniture: short label-value lines without sentence punctuation.
bool IsFurnitureLine(const std::string& line) {
  static const char* kLabels[] = {"索引号", "发布机构", "发文机关", "发布时间", "发布日期", "成文日期", "发文日期",
                                  "生效日期", "发文字号", "文号", "信息来源", "文章来源", "来源", "作者",
                                  "责任编辑", "编辑", "浏览次数", "浏览量", "访问量", "访问次数", "点击数", "点击量",
                                  "阅读次数", "阅读量", "字号", "字体", "分享到", "主题分类", "体裁分类", "公开方式",
                                  "公开范围", "上一篇", "下一篇", "打印本页", "关闭窗口", "打印", "关闭", "扫一扫"};
  if (line.find("。") != std::string::npos) return false;
  size_t cps = 0, pos = 0;
  while (pos < line.size()) {
    text::DecodeUtf8(line, &pos);
    ++cps;
  }
  if (cps > 80) return false;
  // Strip bracket decoration: 【打印本页】 [关闭窗口]
  std::string bare;
  pos = 0;
  while (pos < line.size()) {
    const size_t start = pos;
    const char32_t cp = text::DecodeUtf8(line, &pos);
    if (cp == 0x3010 || cp == 0x3011 || cp == '[' || cp == ']' || IsSpace(cp)) continue;
    bare.append(line, start, pos - start);
  }
  size_t labels = 0;
  for (const char* label : kLabels) {
    const std::string l = label;
    if (bare == l) return true;
    if (bare.compare(0, l.size(), l) == 0) {
      const std::string rest = bare.substr(l.size());
      if (rest.rfind("：", 0) == 0 || rest.rfind(":", 0) == 0) return true;
    }
    if (bare.find(l + "：") != std::string::npos || bare.find(l + ":") != std::string::npos) ++labels;
  }
  return labels >= 2;
}

std::string NodeText(xmlNode* n) {
  LineWriter w;
  WriteInline(n, &w, 0);
  w.Break();
  std::string out;
  for (const auto& l : w.lines()) out += (out.empty() ? "" : " ") + l;
  return out;
}

bool Contains(xmlNode* ancestor, xmlNode* n) {
  for (; n; n = n->parent) {
    if (n == ancestor) return true;
  }
  return false;
}

xmlNode* FindTitle(xmlNode* n, int depth) {
  if (depth > 8) return nullptr;
  for (xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (Tag(c) == "title") return c;
    if (xmlNode* t = FindTitle(c, depth + 1)) return t;
  }
  return nullptr;
}

std::string TitleText(xmlNode* t) {
  xmlChar* content = xmlNodeGetContent(t);
  if (!content) return "";
  LineWriter w;
  w.Text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  w.Break();
  return w.lines().empty() ? "" : w.lines().front();
}

// The headline: the last h1-h3 before the article (outside it), else the
// <title> up to its site suffix.
std::string Headline(xmlNode* root, xmlNode* article) {
  std::string last_heading;
  bool reached = false;
  // Iterative pre-order walk up to the article.
  std::vector<std::pair<xmlNode*, int>> stack{{root, 0}};
  std::string title;
  while (!stack.empty() && !reached) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    if (n == article) {
      reached = true;
      break;
    }
    if (n->type == XML_ELEMENT_NODE) {
      const std::string_view tag = Tag(n);
      if (tag == "head") {
        if (xmlNode* t = FindTitle(n, 0)) title = TitleText(t);
        continue;
      }
      if (Skipped(n)) continue;
      if (tag == "h1" || tag == "h2" || tag == "h3") {
        if (!Contains(n, article)) {
          std::string t = NodeText(n);
          if (t.size() >= 6) last_heading = t;
          continue;
        }
      }
    }
    if (depth > kMaxDepth) continue;
    std::vector<xmlNode*> kids;
    for (xmlNode* c = n->children; c; c = c->next) kids.push_back(c);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back({*it, depth + 1});
  }
  if (!last_heading.empty()) return last_heading;
  for (const char* sep : {"_", "|", " - ", "－", "——", "—"}) {
    const size_t at = title.find(sep);
    if (at != std::string::npos && at > 0) title = title.substr(0, at);
  }
  return LineWriter::Trim(title);
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

}  // namespace

Result<HtmlText> ExtractHtmlText(std::string_view bytes) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  ASSIGN_OR_RETURN(HtmlText page, DecodePage(bytes));
  if (page.text.size() > static_cast<size_t>(INT32_MAX)) return Status::ResourceExhausted("web page too large");
  std::unique_ptr<xmlDoc, DocFree> doc(htmlReadMemory(
      page.text.data(), static_cast<int>(page.text.size()), nullptr, "UTF-8",
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC));
  if (!doc) return Status::InvalidArgument("web page could not be parsed as HTML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) return Status::NotFound("web page has no elements");
  PageAnalyzer analyzer(root);
  xmlNode* article = analyzer.FindArticle();
  if (!article) return Status::NotFound("web page holds no article text (only navigation or markup)");
  ArticleWriter writer(&analyzer);
  writer.Write(article, 0);
  std::vector<std::string> lines;
  for (auto& line : writer.Finish()) {
    if (!IsFurnitureLine(line)) lines.push_back(std::move(line));
  }
  const std::string headline = Headline(root, article);
  if (!headline.empty() && (lines.empty() || lines.front() != headline) && !IsFurnitureLine(headline)) {
    lines.insert(lines.begin(), headline);
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  page.text = std::move(out);
  return page;
}

}  // namespace reportflow::ingest
