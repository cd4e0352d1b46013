#!/usr/bin/env bash
# usock run against CPython, side by side in one run (docs/performance.md, "usock run").
# usage: bench/python/usock-run-bench.sh [ROUND_TRIPS] [BULK_MiB]   (defaults 20000 and 1024)
# Needs: a Release build (dotnet build -c Release src/Usock.Cli), python3 3.11+ with its shared library, taskset.
# Each pair of processes is pinned to CPUs 0 and 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
RT=${1:-20000}
MIB=${2:-1024}
U=src/Usock.Cli/bin/Release/net10.0/usock
S=bench/python/scripts/pingpong.py

pair() { # pair NAME SERVER-CMD... -- CLIENT-CMD... (client gets PORT COUNT appended)
  local name=$1; shift
  local server=() client=()
  while [ "$1" != "--" ]; do server+=("$1"); shift; done; shift
  client=("$@")
  local err; err=$(mktemp)
  taskset -c 0 "${server[@]}" 2>"$err" >"$err.out" &
  local pid=$!
  local port=""
  for _ in $(seq 300); do port=$(grep -Eo '^port [0-9]+' "$err" | cut -d' ' -f2 || true); [ -n "$port" ] && break; sleep 0.05; done
  local out; out=$(taskset -c 1 "${client[@]}" "$port" "$COUNT")
  wait "$pid"
  echo "$name: client: $out | server: $(cat "$err.out")"
  rm -f "$err" "$err.out"
}

echo "== per-call cost inside one process (pinned to CPU 0)"
echo "-- usock run (Python):"; taskset -c 0 "$U" run bench/python/scripts/percall.py
echo "-- C# (the same calls):"; taskset -c 0 dotnet run -c Release bench/python/scripts/percall.cs

COUNT=$RT
echo "== 64 B ping-pong, $RT round trips"
pair "CPython    " python3 $S serve pingpong -- python3 $S client pingpong
pair "usock run  " "$U" run $S serve pingpong -- "$U" run $S client pingpong
COUNT=$MIB
echo "== bulk, $MIB MiB in 64 KiB sendall/recv"
pair "CPython    " python3 $S serve bulk -- python3 $S client bulk
pair "usock run  " "$U" run $S serve bulk -- "$U" run $S client bulk

echo "== start: usock run -c pass (warm, 10 runs) against python3 -c pass"
for cmd in "$U run -c pass" "python3 -c pass"; do
  $cmd; start=$(date +%s%N)
  for _ in $(seq 10); do $cmd; done
  echo "$cmd: $(( ($(date +%s%N) - start) / 10000000 )) ms per run"
done
