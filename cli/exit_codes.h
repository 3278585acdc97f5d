// The exit codes of `reportflow` (documented in docs/operators.md, "Exit
// codes"), and the rule that turns a finished batch into one.
#pragma once

#include "reportflow/pipeline/v1/control.pb.h"

namespace reportflow::cli {

inline constexpr int kExitOk = 0;           // every input became a document
inline constexpr int kExitFailure = 1;      // a service failed, a store could not be read, --timeout, no ingest answers
inline constexpr int kExitUsage = 2;        // bad command line, config, filter or data dir
inline constexpr int kExitRejected = 3;     // the batch completed but some inputs were rejected
inline constexpr int kExitQuarantined = 4;  // the batch completed but some documents were quarantined
inline constexpr int kExitNothingToDo = 5;  // no such input path, or no file under the inputs
// 128 + signal (130 SIGINT, 143 SIGTERM): `run` was interrupted and stopped cleanly.

// The exit code of a completed batch: quarantined documents come first (4),
// then rejected inputs (3) unless `allow_rejects`; a batch that found no file
// at all, or whose every input path does not exist, is 5. Duplicates (a file whose text is already a document) are not
// rejections: that input became a document.
// The reason ingest gives for an input path that does not exist.
inline constexpr char kNoSuchPath[] = "no such file or folder";

int BatchExitCode(const pipeline::v1::BatchStatus& status, bool allow_rejects);

}  // namespace reportflow::cli
