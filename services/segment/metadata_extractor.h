// Document metadata from a segmented report: reporting unit (township, type),
// county/district, city, province, year reported on, report date, document
// numbers, cited laws and regulations, title.
//
// Rules (all work on the normalised matching text; strings are output as
// written in the stored text):
//   * Administrative chains: a run such as 重庆市万州区柱山乡 is parsed into
//     units by suffix (省/自治区, 市/州/地区/盟, 县/区/旗/市, 乡/镇/街道), each with
//     a name of at least two characters, starting at a boundary (line or
//     clause start, after a year, 关于, 中共 or 在). Title, issuer and
//     signature lines are searched first (lenient name rules: 和平县, 于都镇);
//     the body only when they name no township, and then a township counts
//     only if it is followed by an organ word (人民政府, 党委, ...) or occurs at
//     least twice (strict name rules). Once the township is known, body chains
//     ending in it (…屏山县花台乡) still give the regions above it.
//   * County: the unit above the township in its chain; else a unique
//     "<name>县委/区人民政府..." mention in a title, issuer, addressee or
//     signature line (巫溪县委、县政府：); else a document-number prefix
//     (巫溪府办发 -> 巫溪 + the level the report names its superiors with:
//     县委/县政府/全县 -> 县, 区委/区政府/全区 -> 区; unknown if both or neither).
//   * Province only when stated (…省, …自治区, or one of the four
//     municipalities directly under the central government, 北京市 天津市
//     上海市 重庆市); city only when stated.
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

// Fills `meta` (clearing it first) from the text, its matching view and layout.
void ExtractMetadata(std::string_view text, const MatchText& m, const Layout& layout,
                     common::v1::DocumentMetadata* meta);

}  // namespace reportflow::segment
