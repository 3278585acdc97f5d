#include "services/ingest/control_handler.h"

#include <string>
#include <vector>

namespace reportflow::ingest {
namespace ppb = ::reportflow::pipeline::v1;

ppb::ControlResponse ControlHandler::Handle(const ppb::ControlRequest& req, ControlOutcome* outcome) {
  ppb::ControlResponse resp;
  if (req.has_submit()) {
    const auto& sub = req.submit();
    if (sub.batch_id().empty() || sub.batch_id().size() > 128) {
      resp.set_error("batch_id must be 1..128 bytes");
      return resp;
    }
    BatchTracker::Batch* b = batches_->Find(sub.batch_id());
    if (!b) {
      b = batches_->Submit(sub.batch_id(), std::vector<std::string>(sub.paths().begin(), sub.paths().end()), limits_);
      outcome->submitted = true;
    }
    *resp.mutable_status() = batches_->StatusOf(*b, false, load_());
  } else if (req.has_status()) {
    BatchTracker::Batch* b = batches_->Find(req.status().batch_id());
    if (!b) {
      resp.set_error("unknown batch " + req.status().batch_id());
    } else {
      *resp.mutable_status() = batches_->StatusOf(*b, req.status().include_rejections(), load_());
    }
  } else if (req.has_shutdown()) {
    outcome->shutdown = true;
  } else {
    resp.set_error("empty request");
  }
  return resp;
}

}  // namespace reportflow::ingest
