// HtmlExtractor: the article body of a saved web page (a government site's
// report page) as plain UTF-8 lines, one per paragraph.
//
// Character set: byte-order mark, else the <meta charset> / http-equiv
// declaration (GB2312 and GBK are read as their superset GB18030), else
// detection (strict UTF-8, then GB18030). Parsing: libxml2's HTML parser
// (error-tolerant, no network).
//
// Body detection (text density, after Readability): markup that never holds
// an article (script, style, nav, header, footer, aside, form, ...) is
// dropped; every block with enough text earns a score from its punctuation
// and length, discounted by its link density, which flows to its parent (in
// full) and grandparent (half). The best-scoring container is the article;
// inside it, link-dominated blocks and short page-furniture lines (索引号,
// 发布时间, 浏览次数, 字号, 打印 ... label-value lines without sentence
// punctuation) are dropped. The page's headline (the last h1-h3 before the
// article, else the <title> up to its site suffix) becomes the first line.
//
// Pure function; thread-safe after the first call (libxml2 is initialised once).
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace reportflow::ingest {

struct HtmlText {
  std::string text;      // article lines joined by '\n', ending with '\n'
  std::string encoding;  // the charset the bytes were read as
};

// Errors: InvalidArgument when the bytes cannot be decoded in the declared or
// detected charset; NotFound when the page has no article text.
Result<HtmlText> ExtractHtmlText(std::string_view bytes);

}  // namespace reportflow::ingest
