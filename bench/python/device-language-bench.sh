#!/usr/bin/env bash
# What the device's language costs a program that does not use it (docs/performance.md, "The device's language"):
# the ping-pong and bulk scripts under usock run with the emulation (the default) and with --cpython-semantics,
# alternated REPS times so both see the same machine, each pair of processes pinned to CPUs 0 and 1; then the
# compile cost of a generated 5,000-line project, in-process and as usock run's start. First it checks that the
# scripts' code is byte for byte what CPython compiles (same_code.py).
# usage: bench/python/device-language-bench.sh [REPS] [ROUND_TRIPS] [BULK_MiB]   (defaults 5, 20000, 512)
# Needs: a Release build (dotnet build -c Release src/Usock.Cli), python3 3.11+ with its shared library, taskset.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${1:-5}
RT=${2:-20000}
MIB=${3:-512}
U=${USOCK:-src/Usock.Cli/bin/Release/net10.0/usock}
S=bench/python/scripts/pingpong.py
export USOCK_CACHE_DIR; USOCK_CACHE_DIR=$(mktemp -d)
trap 'rm -rf "$USOCK_CACHE_DIR"' EXIT

pair() { # pair MODE COUNT [--cpython-semantics]: prints the client's figure (µs per round trip, or MB/s for bulk)
  local mode=$1 count=$2; shift 2
  local err; err=$(mktemp)
  taskset -c 0 "$U" run "$@" $S serve "$mode" 2>"$err" >"$err.out" &
  local pid=$! port=""
  for _ in $(seq 600); do port=$(grep -Eo '^port [0-9]+' "$err" | cut -d' ' -f2 || true); [ -n "$port" ] && break; sleep 0.05; done
  local out; out=$(taskset -c 1 "$U" run "$@" $S client "$mode" "$port" "$count")
  wait "$pid"
  if [ "$mode" = pingpong ]; then echo "$out" | grep -Eo '[0-9.]+ us' | cut -d' ' -f1
  else grep -Eo '[0-9]+ MB/s' "$err.out" | cut -d' ' -f1; fi
  rm -f "$err" "$err.out"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "== is the scripts' code what CPython compiles? (then the emulation cannot cost them anything at run time)"
python3 bench/python/scripts/same_code.py $S

for mode in pingpong bulk; do
  count=$RT; [ "$mode" = bulk ] && count=$MIB
  on=(); off=()
  for _ in $(seq "$REPS"); do
    on+=("$(pair $mode "$count")")
    off+=("$(pair $mode "$count" --cpython-semantics)")
  done
  m_on=$(printf '%s\n' "${on[@]}" | median); m_off=$(printf '%s\n' "${off[@]}" | median)
  unit="us per round trip (lower is better)"; [ "$mode" = bulk ] && unit="MB/s received (higher is better)"
  echo "$mode, $unit: device language ${on[*]} (median $m_on) | --cpython-semantics ${off[*]} (median $m_off) | ratio $(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a / b}')"
done

P=$(mktemp -d)
python3 bench/python/scripts/gen_project.py "$P/usr" 5000 >/dev/null
echo "== compiling the generated project in one python3 process"
python3 bench/python/scripts/compile_cost.py "$P/usr" 5
echo "== usock run of that project: start to exit, median of $REPS (cold: the cache emptied before each run)"
run_ms() { local t; t=$(date +%s%N); "$U" run "$@" "$P/usr" >/dev/null 2>&1 || true; echo $(( ($(date +%s%N) - t) / 1000000 )); }
cold=(); warm=(); cpy=()
for _ in $(seq "$REPS"); do
  rm -rf "$USOCK_CACHE_DIR"/*; cold+=("$(run_ms)")
  warm+=("$(run_ms)")
  cpy+=("$(run_ms --cpython-semantics)")
done
echo "device language, cold cache: ${cold[*]} ms (median $(printf '%s\n' "${cold[@]}" | median))"
echo "device language, warm cache: ${warm[*]} ms (median $(printf '%s\n' "${warm[@]}" | median))"
echo "--cpython-semantics (bytes % str fails: the run ends in a TypeError after compiling all modules): ${cpy[*]} ms (median $(printf '%s\n' "${cpy[@]}" | median))"
rm -rf "$P"
