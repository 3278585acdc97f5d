#!/usr/bin/env bash
# When does each service reach its peak memory? Runs the pipeline once on a
# generated corpus and samples every service's resident memory (VmRSS) every
# 0.1 s, so a peak can be put beside the service logs (a table doubling, a
# checkpoint, the drain) instead of read from VmHWM alone.
#
#   bench/rss_timeline.sh REPORTS          e.g. bench/rss_timeline.sh 100000
#   BUILD_DIR=build RUN_ARGS="--set audit.near_duplicates=false" bench/rss_timeline.sh 100000
#   CORPUS=/tmp/corpus bench/rss_timeline.sh 100000   # reuse a corpus made by `reportflow gen-corpus --reports 100000
#                                    # --seed 7 --out /tmp/corpus` (A/B pairs of builds on the same corpus)
#
# Writes bench/results/rss-timeline-<date>.tsv (wall clock, then MB per
# service) and prints each service's peak with when it came, in seconds from
# the start of `reportflow run` and before its end. The service logs stay in
# the run's data dir until the script ends; the lines around a peak are
# printed with it (aggregate's, the one that grows with the corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$(realpath "$BUILD_DIR/bin")
read -r -a RUN_ARGS <<< "${RUN_ARGS:-}"
REPORTS=${1:?usage: bench/rss_timeline.sh REPORTS}
[ -x "$BIN/reportflow" ] || { echo "build first: make build" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=bench/results/rss-timeline-$(date -u +%Y-%m-%dT%H%MZ).tsv
CORPUS=${CORPUS:-$WORK/corpus}
[ -d "$CORPUS/reports" ] || "$BIN/reportflow" gen-corpus --reports "$REPORTS" --seed 7 --out "$CORPUS" > /dev/null
DATA=$WORK/data
start=$(date +%s.%N)
"$BIN/reportflow" run "$CORPUS/reports" --data "$DATA" --quiet --timeout 1200 "${RUN_ARGS[@]}" > "$WORK/run.log" 2>&1 &
RUN=$!
printf 'seconds\tingest\tsegment\textract\taggregate\n' > "$OUT"
while kill -0 "$RUN" 2>/dev/null; do
  declare -A mb=([ingest]=0 [segment]=0 [extract]=0 [aggregate]=0)
  for pid in $(pgrep -f -- "--config $DATA/pipeline.yaml" || true); do
    name=$( (tr '\0' ' ' < "/proc/$pid/cmdline") 2>/dev/null | awk '{print $1}' | sed 's|.*/reportflow-||') || continue
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ -n "$name" ] && [ -n "${mb[$name]+x}" ] && mb[$name]=$((${mb[$name]} + ${rss:-0} / 1024))
  done
  now=$(date +%s.%N)
  printf '%.1f\t%d\t%d\t%d\t%d\n' "$(echo "$now - $start" | bc)" "${mb[ingest]}" "${mb[segment]}" "${mb[extract]}" \
    "${mb[aggregate]}" >> "$OUT"
  sleep 0.1
done
rc=0
wait "$RUN" || rc=$?
end=$(echo "$(date +%s.%N) - $start" | bc)
echo "reportflow run: exit $rc after $(printf '%.1f' "$end") s ($REPORTS reports); samples in $OUT"
for col in 2 3 4 5; do
  awk -F'\t' -v c="$col" -v end="$end" 'NR == 1 { name = $c; next }
    $c > peak { peak = $c; at = $1 }
    END { printf "  %-9s peak %4d MB at %6.1f s (%.1f s before the end)\n", name, peak, at, end - at }' "$OUT"
done
stopping=$(sed -n 's/^\([0-9-]*\)T\([0-9:.]*\) .*aggregate stopping:.*/\1 \2/p' "$DATA/logs/aggregate.log" | tail -n 1)
[ -n "$stopping" ] && echo "  aggregate began stopping (drained; checkpoint next) at $(printf '%.1f' "$(echo "$(date -u -d "$stopping" +%s.%N) - $start" | bc)") s"
echo "aggregate's log:"
sed 's/^/  /' "$DATA/logs/aggregate.log" | tail -n 8
