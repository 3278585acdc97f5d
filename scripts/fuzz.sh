#!/usr/bin/env bash
# Runs every libFuzzer target of a REPORTFLOW_FUZZ build for a while.
#   scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
# Each target fuzzes its corpus in BUILD_DIR/fuzz-corpus/<target> (seeded from
# samples/ at configure time; new inputs are added there); crashes are written
# to BUILD_DIR/fuzz-artifacts/. Prints libFuzzer's final stats per target.
set -euo pipefail
dir="$1"
seconds="$2"
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(decoder_fuzzer segmenter_fuzzer extractor_fuzzer codec_fuzzer config_fuzzer)
fi
mkdir -p "$dir/fuzz-artifacts"
status=0
for t in "${targets[@]}"; do
  echo "== $t: ${seconds}s"
  log="$dir/fuzz-artifacts/$t.log"
  rc=0
  "$dir/bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-artifacts/$t-" "$dir/fuzz-corpus/$t" >"$log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|artifact_prefix)" "$log" || true
  if [ "$rc" -ne 0 ]; then
    echo "$t FAILED (exit $rc); full log: $log"
    status=1
  fi
done
exit $status
