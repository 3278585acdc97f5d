#include "cli/place_summary.h"

#include <zmq.hpp>

#include "cli/data_reader.h"
#include "cli/records.h"
#include "common/base/macros.h"
#include "common/messaging/codec.h"
#include "common/messaging/poll.h"
#include "common/messaging/socket_factory.h"
#include "common/stream/topics.h"

namespace reportflow::cli {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;

Result<apb::PlacesSummary> ReadPlaceSummary(const std::string& data_dir, size_t max_listed) {
  ASSIGN_OR_RETURN(std::unique_ptr<DataReader> reader, DataReader::Open(data_dir, DataReader::Stores::kAggregateOnly));
  return reader->aggregator().PlacesSummary(max_listed);
}

Result<apb::PlacesSummary> AskPlaceSummary(const config::PipelineConfig& cfg, size_t max_listed,
                                           std::chrono::milliseconds timeout) {
  zmq::context_t context;
  config::v1::Limits limits = cfg.limits();
  limits.set_linger_ms(0);
  messaging::SocketFactory factory(&context, limits, cfg.security());
  ASSIGN_OR_RETURN(zmq::socket_t dealer, factory.Connect(zmq::socket_type::dealer, cfg.endpoints().aggregate_snapshot()));
  apb::PlacesRequest request;
  request.set_request_id(1);
  request.set_max_listed(static_cast<uint32_t>(max_listed));
  messaging::Frames frames;
  messaging::AppendMessage(stream::kPlacesRequestHeader, request, &frames);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    return std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
  };
  messaging::Poll poll;
  poll.Add(dealer, messaging::Poll::kOut);
  while (true) {  // Connect sets ZMQ_IMMEDIATE: the request waits until the service is there
    Status sent = messaging::SendFrames(dealer, frames, /*dont_wait=*/true);
    if (sent.ok()) break;
    if (sent.code() != StatusCode::kUnavailable) return sent;
    if (remaining_ms() == 0) return Status::DeadlineExceeded("aggregate snapshot endpoint not reachable");
    RETURN_IF_ERROR(poll.Wait(remaining_ms()));
  }
  poll.Watch(0, messaging::Poll::kIn);
  while (true) {
    ASSIGN_OR_RETURN(messaging::Frames reply, messaging::RecvFrames(dealer));
    if (!reply.empty()) {
      apb::PlacesSummary summary;
      RETURN_IF_ERROR(messaging::ParseMessage(reply, 0, stream::kPlacesHeader, &summary));
      if (summary.request_id() == request.request_id()) return summary;
      continue;
    }
    if (remaining_ms() == 0) return Status::DeadlineExceeded("no places summary from the aggregate service");
    RETURN_IF_ERROR(poll.Wait(remaining_ms()));
  }
}

void PrintPlaceSummary(const apb::PlacesSummary& summary, const std::string& data_dir, std::ostream& out) {
  out << "  places             " << summary.resolved() << " resolved (" << summary.county_level()
      << " county-level reports), " << summary.ambiguous() << " ambiguous, " << summary.not_found()
      << " not in the gazetteer, " << summary.unnamed() << " unnamed\n";
  for (const apb::DocContributionHead& c : summary.listed()) {
    const cpb::DocumentMetadata& m = c.metadata();
    std::string line = c.doc_id().substr(0, 12) + " " + c.source() + ": " + PlaceStatusName(m.place().status()) + " ";
    line += m.place().township_written().empty() ? m.township() : m.place().township_written();
    std::string candidates;
    for (const auto& cand : m.place().candidates()) {
      candidates += (candidates.empty() ? "" : " | ") + cand.province() + cand.city() + cand.county() + cand.township();
    }
    if (!candidates.empty()) line += " (candidates: " + candidates + ")";
    if (!m.place().note().empty()) line += " — " + m.place().note();
    out << "    - " << line << "\n";
  }
  if (summary.undecided() > static_cast<uint64_t>(summary.listed_size())) {
    out << "    … " << summary.undecided() - summary.listed_size() << " more: reportflow docs --data " << data_dir
        << " --format jsonl (place_status)\n";
  }
  if (summary.undecided() > 0) {
    out << "    a scope decides between namesakes: reportflow run ... --region <province, city or county>\n";
  }
}

}  // namespace reportflow::cli
