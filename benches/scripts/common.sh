# Shared by the benchmark scripts: paths, the machine, and waiting for a quiet machine.
# Source it: `. "$(dirname "$0")/common.sh"`.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Where the release binaries are built: $CARGO_TARGET_DIR if set, else the repo's target/.
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET/release"
# Where hyperfine's JSON and the logs go.
OUT="${BENCH_OUT:-$TARGET/bench-results}"
mkdir -p "$OUT"

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "error: \`$1\` is missing (${2:-install it first})" >&2
    exit 1
  }
}

# Prints the machine and the revision measured.
machine() {
  echo "== machine"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
    "$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') MHz," \
    "cache $(grep -m1 'cache size' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  # BENCH_REVISION names the revision of a copy that is not a git checkout.
  echo "revision: ${BENCH_REVISION:-$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout')}"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Waits (at most $BENCH_WAIT seconds, default 600) until the 1-minute load average is below
# $BENCH_MAX_LOAD (default 0.5), since the machine is shared; measures anyway after that and
# says so. Always prints the load it starts with.
wait_quiet() {
  local max="${BENCH_MAX_LOAD:-0.5}" waited=0 limit="${BENCH_WAIT:-600}"
  while :; do
    local load
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if awk -v l="$load" -v m="$max" 'BEGIN { exit !(l < m) }'; then
      echo "load $load (< $max): measuring"
      return
    fi
    if [ "$waited" -ge "$limit" ]; then
      echo "WARNING: load still $load after ${limit}s (>= $max): measuring anyway"
      return
    fi
    sleep 10
    waited=$((waited + 10))
  done
}

# `peak_rss N CMD...`: runs CMD N times under /usr/bin/time -v (output discarded) and prints
# each run's maximum resident set size in MiB.
peak_rss() {
  local n="$1" i kib
  shift
  for ((i = 0; i < n; i++)); do
    kib="$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')"
    awk -v k="$kib" 'BEGIN { printf "%.1f ", k / 1024 }'
  done
  echo "MiB"
}
