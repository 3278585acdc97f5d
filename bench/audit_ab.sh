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
# machine hits both arms alike. The CPU of `run` and its services (user + sys,
# from /usr/bin/time) is paired the same way: less sensitive to the load. What each arm includes:
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
# A second run within the same minute gets its own file (-2, -3, ...) instead of overwriting.
base=${OUT%.md}; k=2; while [ -e "$OUT" ]; do OUT="$base-$k.md"; k=$((k + 1)); done

"$BIN/reportflow" gen-corpus --reports "$N" --seed 1 --copies "$COPIES" --out "$WORK/corpus" > /dev/null
planted=$(wc -l < "$WORK/corpus/gold_copies.jsonl")

run() {  # run ARM DATA -> "wall cpu": seconds, and CPU seconds of `run` and its services (user + sys)
  local arm=$1 data=$2
  rm -rf "$data"
  /usr/bin/time -f "%e %U %S" -o "$data.time" \
    "$BIN/reportflow" run "$WORK/corpus/reports" --data "$data" --quiet --set "audit.near_duplicates=$arm" > "$data.log" 2>&1 || {
    echo "run failed ($arm):" >&2; tail -5 "$data.log" >&2; exit 1; }
  awk '{printf "%s %s\n", $1, $2 + $3}' "$data.time"
}

ratios=()
cpu_ratios=()
rows=""
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then
    read -r on on_cpu < <(run true "$WORK/on"); read -r off off_cpu < <(run false "$WORK/off")
  else
    read -r off off_cpu < <(run false "$WORK/off"); read -r on on_cpu < <(run true "$WORK/on")
  fi
  ratio=$(echo "$on / $off" | bc -l)
  cpu_ratio=$(echo "$on_cpu / $off_cpu" | bc -l)
  ratios+=("$ratio")
  cpu_ratios+=("$cpu_ratio")
  rows+=$(printf '| %d | %.1f | %.1f | %.3f | %.1f | %.1f | %.3f | %s |' "$i" "$on" "$off" "$ratio" "$on_cpu" "$off_cpu" "$cpu_ratio" "$(cut -d' ' -f1-3 /proc/loadavg)")$'\n'
done
median_of() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
median=$(median_of "${ratios[@]}")
cpu_median=$(median_of "${cpu_ratios[@]}")
"$BIN/reportflow" eval --copies "$WORK/corpus/gold_copies.jsonl" --data "$WORK/on" --distribution > "$WORK/eval.txt"

{
  echo "# Near-duplicate detection ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Corpus: \`reportflow gen-corpus --reports $N --seed 1 --copies $COPIES\` ($planted planted copies)."
  echo "Arms: on = fingerprints in extract + index, comparisons and pairs in aggregate; off = \`--set audit.near_duplicates=false\` (no fingerprint computed, sent or stored)."
  echo "Machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds: read the ratios, not the seconds)."
  echo
  echo "| round | wall s, detection on | wall s, off | on/off | CPU s, on | CPU s, off | CPU on/off | load |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  printf 'Median on/off: **%.3f** (detection adds %.1f%% end to end); CPU (run and its services, user + sys): median on/off **%.3f**.\n' "$median" "$(echo "($median - 1) * 100" | bc -l)" "$cpu_median"
  echo
  echo '```'
  grep -v '^  missed' "$WORK/eval.txt"
  echo '```'
} > "$OUT"
cat "$OUT"
