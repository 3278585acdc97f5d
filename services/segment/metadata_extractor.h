// Document metadata from a segmented report: reporting unit (township, type),
// county/district, city, province, year reported on, report date, document
// numbers, cited laws and regulations, title.
//
// Rules (all work on the normalised matching text; strings are output as
// written in the stored text):
//   * Places (township, county, city, province, codes, unit level and how
//     they were decided) are not set here: place_finder.h resolves them
//     against the gazetteer after this, from the same text and layout.
//   * Year: a year in the title; else the best-supported year in the body
//     outside plan sections (NNNN年度 weighs 3, NNNN年以来 and 今年 2 — 今年
//     being the year of the report date — other NNNN年 1), ignoring dates,
//     ranges and years after the report date; else unknown.
//   * Report date: the date block of the signature (or under the title).
//   * Document numbers: <issuer code>〔YYYY〕N号 with any bracket style.
//   * Cited laws: 《…》 whose name ends in 法/法典/条例/规定/章程/办法/细则/规则/
//     准则 (so notices, 要点, 纲要, 规范 are excluded), and unbracketed names of
//     the same shape listed after a citing verb (执行, 贯彻, 遵守, 依据, 学习 …).
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reportflow/common/v1/common.pb.h"
#include "services/segment/layout.h"
#include "services/segment/text_normalizer.h"

namespace reportflow::segment {

struct Date {
  int year;
  int month;
  int day;
};

// Parses a whole range of normalised chars as a date: 2024年2月28日,
// 二〇二四年二月二十八日, 2024.2.28, 2024-02-28, 2024/2/28, optionally in
// parentheses. Returns nullopt unless the whole range is one valid date.
std::optional<Date> ParseDate(std::u32string_view s);

// Finds a date that ends exactly at the end of `s` (trailing spaces allowed);
// returns its start index or npos.
size_t FindTrailingDate(std::u32string_view s);

// "YYYY-MM-DD".
std::string FormatIsoDate(const Date& d);

// Document numbers, as written, in order of appearance, deduplicated.
std::vector<std::string> FindDocNumbers(std::string_view text, const MatchText& m);

// Cited laws and regulations, as written (without 《》), in order of first
// appearance, deduplicated.
std::vector<std::string> FindCitedLaws(std::string_view text, const MatchText& m);

// True if the normalised chars end with an organ suffix (人民政府, 委员会, 党委,
// 办事处, ...), i.e. the line names an issuing body.
bool EndsWithOrganSuffix(std::u32string_view s);

// Fills `meta` (clearing it first) from the text, its matching view and
// layout: everything but the place fields.
void ExtractMetadata(std::string_view text, const MatchText& m, const Layout& layout,
                     common::v1::DocumentMetadata* meta);

}  // namespace reportflow::segment
