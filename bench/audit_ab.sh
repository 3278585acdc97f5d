#!/usr/bin/env bash
# Near-duplicate detection: its cost end to end and its quality on a generated
# province with planted copies.
#
#   bench/audit_ab.sh [REPORTS] [COPIES_PERCENT] [ROUNDS]    default: 10000 5 3
#   BUILD_DIR=build-audit bench/audit_ab.sh 10000 5 3
#
# Paired A/B: each round runs `reportflow run` on the same corpus twice, with
# detection on (the default) and off (--set audit.near_duplicates=false), in
# alternating order, each into a fresh data dir; the figure is the median of
# the per-round ratios on/off (wall clock), so load from other work on the
# machine hits both arms alike. What each arm includes:
#   on:  extract computes each report's fingerprint and sends it with the
#        extraction; aggregate stores it (audit_docs), counts its shingles and
#        grams, finds candidates, compares them and writes the pairs.
#   off: no fingerprint is computed, sent or stored, and aggregate's audit
#        step only passes consistency findings on; everything else (ingest,
#        segment, extraction, rollups, acknowledgements) is the same.
# So the ratio is the whole cost of near-duplicate detection.
# Then `reportflow eval --copies --distribution` on the last "on" run:
# precision and recall of the planted pairs, the similarity distributions and
# the index memory. Writes bench/results/audit-<date>.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$(realpath "$BUILD_DIR/bin")
N=${1:-10000}
COPIES=${2:-5}
ROUNDS=${3:-3}
[ -x "$BIN/reportflow" ] || { echo "build first: make build" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=bench/results/audit-$(date -u +%Y-%m-%dT%H%MZ).md

"$BIN/reportflow" gen-corpus --reports "$N" --seed 1 --copies "$COPIES" --out "$WORK/corpus" > /dev/null
planted=$(wc -l < "$WORK/corpus/gold_copies.jsonl")

run() {  # run ARM DATA -> wall seconds
  local arm=$1 data=$2 start end
  rm -rf "$data"
  start=$(date +%s.%N)
  "$BIN/reportflow" run "$WORK/corpus/reports" --data "$data" --quiet --set "audit.near_duplicates=$arm" > "$data.log" 2>&1 || {
    echo "run failed ($arm):" >&2; tail -5 "$data.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

ratios=()
rows=""
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then
    on=$(run true "$WORK/on"); off=$(run false "$WORK/off")
  else
    off=$(run false "$WORK/off"); on=$(run true "$WORK/on")
  fi
  ratio=$(echo "$on / $off" | bc -l)
  ratios+=("$ratio")
  rows+=$(printf '| %d | %.1f | %.1f | %.3f | %s |' "$i" "$on" "$off" "$ratio" "$(cut -d' ' -f1-3 /proc/loadavg)")$'\n'
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
"$BIN/reportflow" eval --copies "$WORK/corpus/gold_copies.jsonl" --data "$WORK/on" --distribution > "$WORK/eval.txt"

{
  echo "# Near-duplicate detection ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Corpus: \`reportflow gen-corpus --reports $N --seed 1 --copies $COPIES\` ($planted planted copies)."
  echo "Arms: on = fingerprints in extract + index, comparisons and pairs in aggregate; off = \`--set audit.near_duplicates=false\` (no fingerprint computed, sent or stored)."
  echo "Machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds: read the ratios, not the seconds)."
  echo
  echo "| round | wall s, detection on | wall s, off | on/off | load |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  printf 'Median on/off: **%.3f** (detection adds %.1f%% end to end).\n' "$median" "$(echo "($median - 1) * 100" | bc -l)"
  echo
  echo '```'
  grep -v '^  missed' "$WORK/eval.txt"
  echo '```'
} > "$OUT"
cat "$OUT"
