// Place resolution: puts a document's reporting unit into the gazetteer's
// hierarchy from the evidence its text gives, then from its input path and
// the operator's scope. Pure and deterministic; the same evidence always
// gives the same answer.
//
// Rules (most reliable evidence first):
//   1. The reporting unit is the first unit mention (in the order given:
//      title, issuer, signature, first sentences, body) whose name, or the
//      longest tail of it, is a gazetteer name at the mention's level
//      (人民政府素社街道 -> 素社街道; 滑县万古镇 -> 万古镇 with 滑县 as a parent).
//      A title, issuer or signature mention the gazetteer lacks entirely makes
//      the document NOT_FOUND: the text names a unit that was renamed or
//      merged, and no other unit is attached to it. Other mentions the
//      gazetteer lacks are skipped when marked must_exist; the first unmarked
//      one is reported NOT_FOUND when no later mention is known.
//   2. Candidates are every unit with that name. Parents written in the same
//      chain (重庆市万州区柱山乡) narrow them; when no candidate lies under the
//      text's parent the document is NOT_FOUND with a note (the text's name and
//      parent are kept, nothing is attached to a same-named unit elsewhere).
//   3. Other regions the text names (区委/县委 phrases, addressee lines, body
//      chains ending in the unit's name, body phrases such as 在X区委,
//      根据X旗…的要求, a document-number prefix) narrow the candidates in that
//      order. A region that fits no candidate makes the document NOT_FOUND
//      (mismatch: the text places the unit elsewhere) when no earlier region
//      agreed or when it is written onto the unit's name; otherwise it is
//      ignored. Document-number prefixes only narrow, never contradict.
//      A unit matched only through a shortened ethnic-township name (花溪乡
//      for 花溪彝族苗族乡) needs a region that agrees, else it is NOT_FOUND.
//   4. Then the folders of the input path, then the operator's scope: each
//      region name found there narrows the candidates when some fit.
//   5. One candidate left: RESOLVED, canonical names and 12-digit codes. More:
//      AMBIGUOUS with all candidates; names shared by every candidate (the
//      township's own name, a common county/city/province) are still set.
//      Batch evidence is applied later (batch_resolver.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/geo/gazetteer.h"
#include "reportflow/common/v1/common.pb.h"

namespace reportflow::geo {

// A name the text gives, normalised for matching (simplified characters,
// ASCII punctuation), with its written form.
struct Mention {
  std::u32string name;     // with its unit suffix (花台乡, 万州区), or a short name (巫溪)
  std::string written;     // as written in the stored text
  common::v1::PlaceSource source = common::v1::PLACE_SOURCE_UNSPECIFIED;
  Level level = Level::kTownship;  // kTownship or kCounty for units; any for regions
  bool short_name = false;         // a short name (document-number prefix): county level only
  // A unit mention that counts only if the gazetteer knows it (weak grammar
  // evidence: a body or first-sentence name, a 街 form); otherwise a name
  // the gazetteer lacks is reported as NOT_FOUND.
  bool must_exist = false;
  // A region written directly before the unit's name elsewhere in the text
  // (…巫溪县花台乡 in the body): contradicting it is a mismatch.
  bool attached = false;
  // For a unit mention: the units written before it in the same chain,
  // nearest first (万州区, 重庆市 for 重庆市万州区柱山乡).
  std::vector<Mention> chain;
};

struct PlaceEvidence {
  // Candidate reporting units, strongest first (see rule 1).
  std::vector<Mention> units;
  // Other regions the text names, strongest first (rule 3).
  std::vector<Mention> regions;
  // The document's input path (SegmentedDocument.source); folders named after
  // regions are evidence (rule 4).
  std::string path;
  // The operator's scope: region names (重庆市, 重庆, 万州区) or codes (50, 500101).
  std::vector<std::string> scope;
};

// Resolves the evidence and writes township, unit_type, county, city,
// province, their codes, unit_level and place into `meta` (other fields are
// left alone).
void ResolvePlace(const Gazetteer& gazetteer, const PlaceEvidence& evidence,
                  common::v1::DocumentMetadata* meta);

// Writes the names and codes of unit `id` and its parents into `meta`
// (township fields only for a township-level unit) and a candidate record.
// Clears the place a document was given: township, county, city, province
// and their codes (unit type, level and the PlaceResolution are kept).
void ClearPlace(common::v1::DocumentMetadata* meta);

void FillPlace(const Gazetteer& gazetteer, UnitId id, common::v1::DocumentMetadata* meta);
common::v1::PlaceCandidate MakeCandidate(const Gazetteer& gazetteer, UnitId id);

// The unit type of a township name: 街道, 镇, 民族乡, 乡, 苏木, or "".
std::string UnitTypeOf(std::u32string_view township);

}  // namespace reportflow::geo
