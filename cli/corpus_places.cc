#include "cli/corpus_places.h"

#include <algorithm>

namespace reportflow::cli {
namespace {

// Characters place names are composed from (two per name).
const std::vector<std::string> kNameChars = {
    "青", "石", "龙", "河", "安", "平", "桥", "溪", "山", "花", "台", "柳", "新", "华", "阳", "永", "兴", "长",
    "宁", "清", "水", "白", "马", "金", "沙", "凤", "岭", "坪", "湾", "峰", "林", "泉", "云", "岩", "塘", "松",
    "竹", "梅", "桃", "杨", "高", "双", "和", "丰", "盛", "福", "瑞", "临", "江", "湖", "田", "庄", "坡", "源"};
const std::vector<std::string> kEthnic = {"瑶族", "苗族", "土家族", "彝族", "侗族", "回族"};
std::string Name(Rng& r) { return r.Pick(kNameChars) + r.Pick(kNameChars); }

}  // namespace

std::vector<Place> MakeProvincePlaces(Rng& r, int reports) {
  // The province: cities, counties (县/区), townships (乡, 镇, 民族乡, 街道).
  const std::string province = Name(r) + "省";
  std::vector<Place> places;
  const int cities = std::max(2, std::min(12, reports / 400 + 2));
  for (int c = 0; c < cities; ++c) {
    const std::string city = Name(r) + "市";
    const int counties = r.Between(3, 7);
    for (int k = 0; k < counties; ++k) {
      const std::string short_name = Name(r);
      const std::string county = short_name + (r.Chance(70) ? "县" : "区");
      const int towns = r.Between(6, 14);
      for (int t = 0; t < towns; ++t) {
        const int kind = static_cast<int>(r.Below(10));
        const std::string suffix = kind < 4 ? "乡" : kind < 8 ? "镇" : kind < 9 ? "街道" : r.Pick(kEthnic) + "乡";
        places.push_back({province, city, county, short_name, Name(r) + suffix});
      }
    }
  }
  return places;
}

}  // namespace reportflow::cli
