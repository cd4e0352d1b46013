#!/bin/bash
# The whole test suite, several times in a row on each path (libc and USOCK_NATIVE=0), while busy loops keep every
# CPU busy, from a fresh clone in a mktemp -d folder (mode 0700: a folder user `nobody` cannot enter).
#
#   bench/load/suite-under-load.sh [RUNS]      # RUNS defaults to 5
#
# Prints one line per suite run and exits non-zero if any run failed. Logs stay in the printed folder.
set -u
runs=${1:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
echo "clone: $work/usock (mode $(stat -c %a "$work")), logs: $work/logs"
git clone -q "$repo" "$work/usock" || exit 1
mkdir -p "$work/logs"
cd "$work/usock" || exit 1
dotnet build tests/Usock.Tests > "$work/logs/build.log" 2>&1 || { echo "build failed: $work/logs/build.log"; exit 1; }

burners=()
for _ in $(seq "$(nproc)"); do
  ( while :; do :; done ) &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
echo "busy loops: ${#burners[@]} (pids ${burners[*]})"

failed=0
for run in $(seq "$runs"); do
  for native in 1 0; do
    log="$work/logs/run-$run-native-$native.log"
    start=$(date +%s)
    USOCK_NATIVE=$native dotnet test --no-build > "$log" 2>&1
    rc=$?
    summary=$(grep -E '^\s+(total|failed|succeeded|skipped):' "$log" | tr -s ' ' | tr '\n' ' ')
    echo "run $run USOCK_NATIVE=$native: exit $rc, $(( $(date +%s) - start )) s,$summary(load $(cut -d' ' -f1 /proc/loadavg))"
    [ "$rc" -eq 0 ] || failed=1
  done
done
exit $failed
