#!/usr/bin/env bash
# Two builds of the pipeline, side by side: before/after figures measured in
# the same minutes on the same corpus, so load from other work on the machine
# hits both alike.
#
#   bench/builds_ab.sh BUILD_A BUILD_B [REPORTS] [ROUNDS]    default: 20000 3
#   git worktree add /tmp/before <commit> && (cd /tmp/before && make build)
#   bench/builds_ab.sh /tmp/before/build build 100000 3
#
# Each round runs `reportflow run` of each build (alternating which goes
# first) on one generated corpus (`gen-corpus --seed 1`, made by BUILD_B),
# each into a fresh data dir, with the default config of its build. Per run:
# wall seconds of the whole command (start, batch, stop and summary), and the
# CPU seconds of `run` and every service it started (user + sys from
# /usr/bin/time, which counts the children it waited for). The figures are
# the medians over the rounds and the median of the per-round ratios B/A.
# Writes bench/results/builds-ab-<date>.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
A=$(realpath "$1/bin")
B=$(realpath "$2/bin")
N=${3:-20000}
ROUNDS=${4:-3}
for bin in "$A" "$B"; do [ -x "$bin/reportflow" ] || { echo "no build at $bin" >&2; exit 2; }; done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=bench/results/builds-ab-$(date -u +%Y-%m-%dT%H%MZ).md
# A second run within the same minute gets its own file (-2, -3, ...) instead of overwriting.
base=${OUT%.md}; k=2; while [ -e "$OUT" ]; do OUT="$base-$k.md"; k=$((k + 1)); done
# A build as a result file names it: by the commit of its checkout, never by
# a directory of this machine.
shown() {
  local tree commit changed
  tree=$(dirname "$(dirname "$1")")
  commit=$(git -C "$tree" rev-parse --short HEAD 2>/dev/null || echo "unknown")
  changed=$(git -C "$tree" status --porcelain --untracked-files=no 2>/dev/null | head -1)
  echo "the build of commit $commit${changed:+ with uncommitted changes}"
}

"$B/reportflow" gen-corpus --reports "$N" --seed 1 --out "$WORK/corpus" > /dev/null

run() {  # run BIN DATA -> "wall cpu"
  local bin=$1 data=$2
  rm -rf "$data"
  /usr/bin/time -f "%e %U %S" -o "$data.time" "$bin/reportflow" run "$WORK/corpus/reports" --data "$data" --quiet \
    > "$data.log" 2>&1 || { echo "run failed ($bin):" >&2; tail -5 "$data.log" >&2; exit 1; }
  awk '{printf "%s %s\n", $1, $2 + $3}' "$data.time"
}

walls_a=() walls_b=() cpus_a=() cpus_b=() ratios=() cpu_ratios=()
rows=""
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then
    read -r wa ca < <(run "$A" "$WORK/a"); read -r wb cb < <(run "$B" "$WORK/b")
  else
    read -r wb cb < <(run "$B" "$WORK/b"); read -r wa ca < <(run "$A" "$WORK/a")
  fi
  walls_a+=("$wa") walls_b+=("$wb") cpus_a+=("$ca") cpus_b+=("$cb")
  ratios+=("$(echo "$wb / $wa" | bc -l)") cpu_ratios+=("$(echo "$cb / $ca" | bc -l)")
  rows+=$(printf '| %d | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %s |' "$i" "$wa" "$wb" "$(echo "$N / $wa" | bc -l)" \
    "$(echo "$N / $wb" | bc -l)" "$ca" "$cb" "$(cut -d' ' -f1-3 /proc/loadavg)")$'\n'
done
median_of() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wa=$(median_of "${walls_a[@]}") wb=$(median_of "${walls_b[@]}")
ca=$(median_of "${cpus_a[@]}") cb=$(median_of "${cpus_b[@]}")

{
  echo "# Two builds side by side ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "A: $(shown "$A"). B: $(shown "$B"). Corpus: \`reportflow gen-corpus --reports $N --seed 1\`, default config of each build."
  echo "Machine: $(nproc) cores, load at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| round | wall s A | wall s B | reports/s A | reports/s B | CPU s A | CPU s B | load |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  printf 'Medians: A %.0f reports/s, %.3f ms CPU per report; B %.0f reports/s, %.3f ms CPU per report.\n' \
    "$(echo "$N / $wa" | bc -l)" "$(echo "$ca * 1000 / $N" | bc -l)" "$(echo "$N / $wb" | bc -l)" "$(echo "$cb * 1000 / $N" | bc -l)"
  printf 'Median of the per-round ratios B/A: wall **%.3f**, CPU **%.3f**.\n' "$(median_of "${ratios[@]}")" "$(median_of "${cpu_ratios[@]}")"
  echo
  echo "CPU is \`run\` and every service it started (user + sys, /usr/bin/time); wall is the whole command: start, batch, stop and summary."
} > "$OUT"
cat "$OUT"
echo "written to $OUT"
