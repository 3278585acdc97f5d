// Gazetteer::Default(): the tables gazetteer_image_gen built from
// data/gazetteer/divisions.tsv at build time (the generated
// gazetteer_image.cc), used where they are, in the executable's read-only data.
#include "common/geo/gazetteer.h"

namespace reportflow::geo {

extern const Gazetteer::Tables kDefaultGazetteerTables;  // gazetteer_image.cc

const Gazetteer& Gazetteer::Default() {
  static const Gazetteer* const instance = OverTables(kDefaultGazetteerTables).release();
  return *instance;
}

}  // namespace reportflow::geo
