#include "cli/exit_codes.h"

#include <algorithm>

namespace reportflow::cli {

int BatchExitCode(const pipeline::v1::BatchStatus& status, bool allow_rejects) {
  if (status.documents() == 0) {
    // Nothing found, or only paths that do not exist (as ingest reports them with --attach).
    const bool only_missing = std::all_of(status.rejections().begin(), status.rejections().end(),
                                          [](const ingest::v1::Rejection& r) { return r.reason() == kNoSuchPath; });
    if (status.files_found() == 0 || (status.rejections_size() == static_cast<int>(status.rejected()) && only_missing)) {
      return kExitNothingToDo;
    }
  }
  if (status.quarantined() > 0) return kExitQuarantined;
  const uint32_t rejected = status.rejected() - std::min(status.rejected(), status.duplicates());
  if (rejected > 0 && !allow_rejects) return kExitRejected;
  return kExitOk;
}

}  // namespace reportflow::cli
