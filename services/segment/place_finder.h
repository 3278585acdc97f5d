// Place evidence: finds the names a report gives for its reporting unit and
// the regions above it, and resolves them against the gazetteer
// (common/geo/place_resolver.h) into DocumentMetadata's township, unit type,
// county, city, province, codes, unit_level and place.
//
// Evidence, in the order the resolver weighs it:
//   * unit mentions: administrative chains (重庆市万州区柱山乡) in title, issuer
//     and signature lines; then in the first sentences of the body
//     ("2024年,五常街道深入学习…"); then county-level units there when no
//     township is named ("下陆区2025年…", "2023年,静海区…": a county report);
//     then body chains followed by an organ word or named at least twice
//     ("礼让街街道办事处在区委…"). Suffixes 乡 镇 街道 苏木 and the 街 form
//     (鹤龙街); an organ word or county before the name is split off by the
//     resolver (人民政府素社街道, 滑县万古镇). Names in first sentences and the
//     body count only if the gazetteer knows them, unless they are named
//     twice or followed by an organ word.
//   * region mentions: <name>县委/区委/旗委/区人民政府 in title, issuer,
//     signature and addressee lines (巫溪县委、县政府：); body chains ending
//     in the unit's name (…巫溪县花台乡); body phrases (在文峰区委…,
//     根据伊金霍洛旗…); document-number prefixes (巫溪府办发 -> 巫溪).
//   * the document's source path and the operator's scope.
// Matching runs on the normalised text (traditional characters simplified,
// full-width punctuation folded), so 鄉 鎮 區 縣 and ASCII punctuation work;
// written forms are copied from the stored text.
//
// Cost: a few scans of the normalised text and a few dozen gazetteer look-ups
// per document (binary searches), never one per sentence.
// Pure functions; thread-safe (the gazetteer is immutable).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/geo/gazetteer.h"
#include "common/geo/place_resolver.h"
#include "reportflow/common/v1/common.pb.h"
#include "services/segment/layout.h"
#include "services/segment/text_normalizer.h"

namespace reportflow::segment {

struct PlaceContext {
  const geo::Gazetteer* gazetteer = nullptr;  // required
  std::string_view path;                      // SegmentedDocument.source
  const std::vector<std::string>* scope = nullptr;  // operator scope, may be null
};

// The evidence the text gives (exposed for tests).
geo::PlaceEvidence CollectPlaceEvidence(std::string_view text, const MatchText& m, const Layout& layout,
                                        const PlaceContext& context,
                                        const common::v1::DocumentMetadata& meta);

// Collects the evidence and resolves it into `meta` (doc_numbers must be set).
void FindPlace(std::string_view text, const MatchText& m, const Layout& layout, const PlaceContext& context,
               common::v1::DocumentMetadata* meta);

}  // namespace reportflow::segment
