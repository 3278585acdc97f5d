#include "cli/place_summary.h"

#include <map>
#include <vector>

#include "cli/data_reader.h"
#include "cli/records.h"
#include "common/base/macros.h"

namespace reportflow::cli {

namespace cpb = ::reportflow::common::v1;

Status PrintPlaceSummary(const std::string& data_dir, std::ostream& out, size_t max_listed) {
  ASSIGN_OR_RETURN(std::unique_ptr<DataReader> reader, DataReader::Open(data_dir, DataReader::Stores::kAggregateOnly));
  std::map<cpb::PlaceStatus, size_t> by_status;
  size_t county_level = 0;
  std::vector<std::string> undecided;
  size_t undecided_total = 0;
  RETURN_IF_ERROR(reader->aggregator().ForEachContributionHead([&](const aggregate::v1::DocContributionHead& c) {
    const cpb::DocumentMetadata& m = c.metadata();
    ++by_status[m.place().status()];
    if (m.unit_level() == cpb::REGION_LEVEL_COUNTY) ++county_level;
    const auto status = m.place().status();
    if (status != cpb::PLACE_STATUS_AMBIGUOUS && status != cpb::PLACE_STATUS_NOT_FOUND) return;
    ++undecided_total;
    if (undecided.size() >= max_listed) return;
    std::string line = c.doc_id().substr(0, 12) + " " + c.source() + ": " + PlaceStatusName(status) + " ";
    line += m.place().township_written().empty() ? m.township() : m.place().township_written();
    std::string candidates;
    for (const auto& cand : m.place().candidates()) {
      candidates += (candidates.empty() ? "" : " | ") + cand.province() + cand.city() + cand.county() + cand.township();
    }
    if (!candidates.empty()) line += " (candidates: " + candidates + ")";
    if (!m.place().note().empty()) line += " — " + m.place().note();
    undecided.push_back(line);
  }));
  out << "  places             " << by_status[cpb::PLACE_STATUS_RESOLVED] << " resolved ("
      << county_level << " county-level reports), " << by_status[cpb::PLACE_STATUS_AMBIGUOUS] << " ambiguous, "
      << by_status[cpb::PLACE_STATUS_NOT_FOUND] << " not in the gazetteer, "
      << by_status[cpb::PLACE_STATUS_UNKNOWN] + by_status[cpb::PLACE_STATUS_UNSPECIFIED] << " unnamed\n";
  for (const auto& line : undecided) out << "    - " << line << "\n";
  if (undecided_total > undecided.size()) {
    out << "    … " << undecided_total - undecided.size() << " more: reportflow docs --data " << data_dir
        << " --format jsonl (place_status)\n";
  }
  if (undecided_total > 0) {
    out << "    a scope decides between namesakes: reportflow run ... --region <province, city or county>\n";
  }
  return Status::OK();
}

}  // namespace reportflow::cli
