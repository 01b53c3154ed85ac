#!/usr/bin/env bash
# A/B of the build time of crates (BENCHMARKS.md section 7): `cargo build --release` (or,
# with PROFILE=check, `cargo check`) of each crate's own code, alternating between the crates,
# RUNS rounds (default 2), their dependencies built first (untimed), CARGO_INCREMENTAL=0, one
# target directory ($CARGO_TARGET_DIR, default target/ab-build). Prints wall and CPU time
# (user + system) of each build with the load before it.
#
#   benches/scripts/ab_build.sh CRATE_DIR_A CRATE_DIR_B [...]
. "$(dirname "$0")/common.sh"
[ "$#" -ge 1 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target/ab-build}" CARGO_INCREMENTAL=0
case "${PROFILE:-release}" in
  release) build=(build --release --lib) ;;
  check) build=(check --lib) ;;
  *) echo "PROFILE is release or check" >&2; exit 2 ;;
esac
machine
for dir in "$@"; do (cd "$dir" && cargo "${build[@]}" --quiet); done
for run in $(seq 1 "${RUNS:-2}"); do
  for dir in "$@"; do
    touch "$dir/src/lib.rs"
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$dir" && /usr/bin/time -f "$dir run $run: %e s wall, %U s user, %S s sys (load $load)" \
      cargo "${build[@]}" --quiet)
  done
done
