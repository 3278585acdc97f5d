#!/usr/bin/env bash
# Scaling out a stage: throughput of the real pipeline with 1 and with 2
# extract workers when extraction is the bottleneck.
#
#   bench/scale_workers.sh [REPORTS] [DELAY_MS]     default: 2000 reports, 10 ms
#   BUILD_DIR=build WORKERS="1 2 4" bench/scale_workers.sh 2000 10
#
# Extraction is made the bottleneck with fault_injection.mode=delay: every
# extract worker waits DELAY_MS per document before extracting it (a slow or
# remote stage; the wait uses no CPU, so the figures show how the credit-based
# dispatch spreads documents over workers, not how many cores the machine has).
# Without the delay the pipeline on a small machine is bound by aggregate and
# CPU, and adding extract workers cannot help — also measured (DELAY_MS=0).
# Each configuration runs the same generated corpus on a fresh data dir; the
# results (identical docs/metrics/aggregates across worker counts) are checked.
# Writes bench/results/scale-workers-<date>.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$(realpath "$BUILD_DIR/bin")
REPORTS=${1:-2000}
DELAY_MS=${2:-10}
WORKERS=${WORKERS:-"1 2"}
[ -x "$BIN/reportflow" ] || { echo "build first: make build" >&2; exit 2; }
WORK=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "work dir: $WORK" >&2 || trap 'rm -rf "$WORK"' EXIT
OUT=bench/results/scale-workers-$(date -u +%Y-%m-%dT%H%MZ).md
# A second run within the same minute gets its own file (-2, -3, ...) instead of overwriting.
base=${OUT%.md}; k=2; while [ -e "$OUT" ]; do OUT="$base-$k.md"; k=$((k + 1)); done

"$BIN/reportflow" gen-corpus --reports "$REPORTS" --seed 3 --out "$WORK/corpus" > /dev/null
fault=()
if [ "$DELAY_MS" -gt 0 ]; then
  fault=(--set fault_injection.stage=extract --set fault_injection.mode=delay
         --set "fault_injection.delay_ms=$DELAY_MS" --set fault_injection.source_substring=.txt)
fi
{
  echo "# Extract workers: 1 vs more ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg). Corpus: $REPORTS generated reports (seed 3)."
  echo "Extraction delay: ${DELAY_MS} ms per document per worker (fault_injection.mode=delay; 0 = none). 1 segment worker."
  echo
  echo "| extract workers | wall s | reports/s | speed-up | results equal to 1 worker |"
  echo "|---|---|---|---|---|"
} > "$WORK/table.md"

base_rate=""
for w in $WORKERS; do
  data=$WORK/data-$w
  start=$(date +%s.%N)
  "$BIN/reportflow" run "$WORK/corpus/reports" --data "$data" --quiet --extract-workers "$w" "${fault[@]}" \
      > "$WORK/run-$w.txt" 2>&1 || { echo "run with $w workers failed:" >&2; cat "$WORK/run-$w.txt" >&2; exit 1; }
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc -l)
  rate=$(echo "$REPORTS / $wall" | bc -l)
  for q in metrics aggregates; do
    "$BIN/reportflow" "$q" --data "$data" --format jsonl | sort > "$WORK/$q-$w.jsonl"
  done
  same=yes
  if [ -n "$base_rate" ]; then
    for q in metrics aggregates; do cmp -s "$WORK/$q-$w.jsonl" "$WORK/$q-${WORKERS%% *}.jsonl" || same=NO; done
    speedup=$(printf '%.2f×' "$(echo "$rate / $base_rate" | bc -l)")
  else
    base_rate=$rate
    speedup="1.00×"
    same="(reference)"
  fi
  printf '| %s | %.1f | %.0f | %s | %s |\n' "$w" "$wall" "$rate" "$speedup" "$same" >> "$WORK/table.md"
done
mkdir -p bench/results
cp "$WORK/table.md" "$OUT"
cat "$OUT"
echo "written to $OUT" >&2
