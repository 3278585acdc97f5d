#!/usr/bin/env bash
# End-to-end benchmark: the real four-process pipeline with persistence on, on
# generated corpora, next to a baseline (python3-jieba tokenizing the same text).
#
#   bench/e2e.sh [REPORTS...]        default: 10000 100000
#   BUILD_DIR=build WORKERS=1 RUN_TIMEOUT=900 bench/e2e.sh 10000
#   BASELINE=0 bench/e2e.sh 100000   # without the python3-jieba baseline (it takes minutes per 100k)
#   LATENCY=1 bench/e2e.sh 20000     # with a stream subscriber: latency from file read to metrics on the stream
#   RUN_ARGS="--set audit.near_duplicates=false" bench/e2e.sh 20000   # extra `reportflow run` arguments
#
# Each pipeline run is bounded by RUN_TIMEOUT seconds (default 1200); a run cut
# short is reported as such, with the documents it finished.
# Writes a markdown table to bench/results/e2e-<date>.md and prints it.
# Figures per run: reports/s and MB/s (wall clock of `reportflow run`), CPU
# seconds and peak RSS (VmHWM) per service sampled from /proc every 0.2 s,
# disk used per store, and the baseline's reports/s and MB/s. Latency per
# document from its ledger (build/bench/ledger_times): file read (ingested_at)
# to acknowledgement (completed_at), p50 and p99; with LATENCY=1, a subscriber
# (`reportflow subscribe --topic metric.`) runs during the batch and the
# latency from file read to the document's first metric on the stream is
# reported too (the subscriber's CPU is then part of the load).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$(realpath "$BUILD_DIR/bin")
WORKERS=${WORKERS:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-1200}
BASELINE=${BASELINE:-1}
LATENCY=${LATENCY:-0}
read -r -a RUN_ARGS <<< "${RUN_ARGS:-}"
LEDGER_TIMES=$(realpath "$BUILD_DIR/bench/ledger_times" 2>/dev/null || true)
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000)
[ -x "$BIN/reportflow" ] || { echo "build first: make build" >&2; exit 2; }
TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=bench/results/e2e-$(date -u +%Y-%m-%dT%H%MZ).md

{
  echo "# End-to-end benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, load before runs: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Pipeline: \`reportflow run\` with 4 separate processes (${WORKERS} segment and ${WORKERS} extract worker), RocksDB persistence on, ipc:// sockets.${RUN_ARGS[*]:+ Extra run arguments: \`${RUN_ARGS[*]}\`.}"
  echo
  echo "| reports | MB | wall s | reports/s | MB/s | jieba reports/s | jieba MB/s | CPU s ingest/segment/extract/aggregate | CPU ms/report ingest/segment/extract/aggregate (total) | peak RSS MB ingest/segment/extract/aggregate | disk MB ingest/segment/extract/aggregate | read→ack ms p50/p99 | read→stream ms p50/p99 (docs seen) | load before/after |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$WORK/table.md"

for N in "${SIZES[@]}"; do
  corpus=$WORK/corpus-$N
  data=$WORK/data-$N
  "$BIN/reportflow" gen-corpus --reports "$N" --seed 1 --out "$corpus" > /dev/null
  bytes=$(du -sb "$corpus/reports" | cut -f1)
  declare -A cpu=() rss=()
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  timeout "$RUN_TIMEOUT" "$BIN/reportflow" run "$corpus/reports" --data "$data" --quiet "${RUN_ARGS[@]}" \
      --segment-workers "$WORKERS" --extract-workers "$WORKERS" > "$WORK/run-$N.txt" &
  run=$!
  sub=""
  if [ "$LATENCY" = "1" ]; then
    # The subscriber needs the run's endpoints (DATA/pipeline.yaml, written at start).
    for _ in $(seq 1 200); do [ -f "$data/pipeline.yaml" ] && break; sleep 0.05; done
    ( "$BIN/reportflow" subscribe --data "$data" --topic metric. --until-closed 2>/dev/null |
      /usr/bin/python3 -u -c '
import json, sys, time
seen = set()
for line in sys.stdin:
    t = int(time.time() * 1000)
    try:
        r = json.loads(line)
    except ValueError:
        continue
    d = r.get("doc_id")
    if r.get("event") == "metric" and d and d not in seen:
        seen.add(d)
        print(d, t)
' > "$WORK/stream-$N.txt" ) &
    sub=$!
  fi
  while kill -0 "$run" 2>/dev/null; do
    for pid in $(pgrep -f "^$BIN/reportflow-(ingest|segment|extract|aggregate) " || true); do
      name=$( (tr '\0' ' ' < "/proc/$pid/cmdline") 2>/dev/null | awk '{print $1}' | sed 's|.*/reportflow-||') || continue
      [ -n "$name" ] || continue
      hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      t=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
      key="$name/$pid"
      [ "${rss[$name]:-0}" -lt "${hwm:-0}" ] && rss[$name]=$hwm
      # A process that exits between two reads yields nothing: keep its last sample.
      if [ "${t:-0}" -gt "${cpu[$key]:-0}" ]; then cpu[$key]=$t; fi
    done
    sleep 0.2
  done
  status=0
  wait "$run" || status=$?
  end=$(date +%s.%N)
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  if [ -n "$sub" ]; then sleep 2; pkill -P "$sub" 2>/dev/null || true; wait "$sub" 2>/dev/null || true; fi
  # Latency per document: file read -> ack (ledger), file read -> first metric on the stream.
  lat_ack="—"; lat_stream="—"
  if [ -x "$LEDGER_TIMES" ]; then
    "$LEDGER_TIMES" "$data/ingest" > "$WORK/ledger-$N.txt" 2>/dev/null || true
    lat_ack=$(/usr/bin/python3 - "$WORK/ledger-$N.txt" "$WORK/stream-$N.txt" <<'PY'
import sys
ledger = {}
for line in open(sys.argv[1]):
    d, read, done = line.split()
    ledger[d] = (int(read), int(done))
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else 0
ack = [done - read for read, done in ledger.values() if done > 0]
out = "%d / %d" % (pct(ack, 0.5), pct(ack, 0.99)) if ack else "—"
try:
    stream = []
    for line in open(sys.argv[2]):
        d, t = line.split()
        if d in ledger:
            stream.append(int(t) - ledger[d][0])
    out += " | %d / %d (%d)" % (pct(stream, 0.5), pct(stream, 0.99), len(stream)) if stream else " | —"
except OSError:
    out += " | —"
print(out)
PY
)
    lat_stream=${lat_ack#* | }; lat_ack=${lat_ack%% | *}
  fi
  label=$N
  if [ "$status" -eq 124 ]; then label="$N (cut at ${RUN_TIMEOUT} s)";
  elif [ "$status" -ne 0 ]; then label="$N (run exit $status)"; fi
  wall=$(echo "$end - $start" | bc -l)
  declare -A cpu_by=()
  for key in "${!cpu[@]}"; do n=${key%%/*}; cpu_by[$n]=$(( ${cpu_by[$n]:-0} + ${cpu[$key]} )); done
  fmt_cpu() { echo "scale=1; ${cpu_by[$1]:-0} / $TICKS" | bc -l; }
  fmt_rss() { echo "$(( ${rss[$1]:-0} / 1024 ))"; }
  per_report() { echo "scale=2; ${cpu_by[$1]:-0} * 1000 / $TICKS / $N" | bc -l | sed 's/^\./0./'; }
  total_cpu=$(( ${cpu_by[ingest]:-0} + ${cpu_by[segment]:-0} + ${cpu_by[extract]:-0} + ${cpu_by[aggregate]:-0} ))
  per_total=$(echo "scale=2; $total_cpu * 1000 / $TICKS / $N" | bc -l | sed 's/^\./0./')
  disk() { du -sm "$data/$1" 2>/dev/null | cut -f1 || echo 0; }
  # Baseline: jieba tokenizing the same decoded text, in the same run.
  jstart=$(date +%s.%N)
  [ "$BASELINE" = "1" ] && /usr/bin/python3 - "$corpus/reports" <<'PY'
import glob, sys, jieba, logging
jieba.setLogLevel(logging.WARNING)
n = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.txt")):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    n += sum(1 for _ in jieba.cut(text))
print(n, file=sys.stderr)
PY
  jend=$(date +%s.%N)
  jwall=$(echo "$jend - $jstart" | bc -l)
  [ "$BASELINE" = "1" ] || jwall=1000000000  # no baseline: its columns read 0
  txt_bytes=$(find "$corpus/reports" -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {print s}')
  txt_files=$(find "$corpus/reports" -name '*.txt' | wc -l)
  rate=$(printf '%.0f | %.1f' "$(echo "$N/$wall" | bc -l)" "$(echo "$bytes/1000000/$wall" | bc -l)")
  [ "$status" -eq 0 ] || rate="— | —"
  printf '| %s | %.1f | %.1f | %s | %.0f | %.2f | %s / %s / %s / %s | %s / %s / %s / %s (%s) | %s / %s / %s / %s | %s / %s / %s / %s | %s | %s | %s / %s |\n' \
    "$label" "$(echo "$bytes/1000000" | bc -l)" "$wall" "$rate" \
    "$(echo "$txt_files/$jwall" | bc -l)" "$(echo "$txt_bytes/1000000/$jwall" | bc -l)" \
    "$(fmt_cpu ingest)" "$(fmt_cpu segment)" "$(fmt_cpu extract)" "$(fmt_cpu aggregate)" \
    "$(per_report ingest)" "$(per_report segment)" "$(per_report extract)" "$(per_report aggregate)" "$per_total" \
    "$(fmt_rss ingest)" "$(fmt_rss segment)" "$(fmt_rss extract)" "$(fmt_rss aggregate)" \
    "$(disk ingest)" "$(disk segment)" "$(disk extract)" "$(disk aggregate)" "$lat_ack" "$lat_stream" \
    "$load_before" "$load_after" >> "$WORK/table.md"
  grep -E "documents|processed|rejected|quarantined|throughput" "$WORK/run-$N.txt" | sed 's/^/    /' > "$WORK/summary-$N.txt" || true
  unset cpu rss cpu_by
  rm -rf "$data" "$corpus"
done
{ echo; for f in "$WORK"/summary-*.txt; do echo "\`reportflow run\` summary for $(basename "$f" .txt | sed 's/summary-//') reports:"; echo; cat "$f"; echo; done
  echo "CPU and RSS are sampled from /proc every 0.2 s (the last sample before a process exits; a short run may under-count CPU)."; } >> "$WORK/table.md"
cat "$WORK/table.md" | tee "$OUT"
