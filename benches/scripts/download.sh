#!/usr/bin/env bash
# Downloads, whole process: one file of SIZE bytes (default 1 GiB) from a local file server
# (the `file-server` binary, its own process), downloaded by the generated client
# (`download-one generated`: `download_file(id).send().await?.save(path, true)`), by raw
# reqwest streaming to a file (`download-one raw`, and `raw-fsync` which also syncs as `save`
# does) and by `curl -o`, in the same hyperfine run; then the peak RSS of each under
# /usr/bin/time -v. Every run starts from `rm -f` of the output and `sync`, so that no run
# pays for the previous run's dirty pages. The file lives in $DIR (default /tmp) and is
# deleted at the end. Results: $OUT/download.json.
. "$(dirname "$0")/common.sh"
need hyperfine "apt-get install -y hyperfine"
need curl
need python3

SIZE="${SIZE:-1073741824}"
RUNS="${RUNS:-10}"
DIR="${DIR:-/tmp}"

machine
cd "$REPO"
cargo build --release --quiet -p aqua-benches --bin file-server --bin download-one
df -h "$DIR"
free_kib="$(df -Pk "$DIR" | awk 'NR == 2 {print $4}')"
if [ "$free_kib" -lt $((SIZE / 1024 * 3)) ]; then
  echo "error: $DIR needs 3 × $SIZE bytes free" >&2
  exit 1
fi

WORK="$(mktemp -d "$DIR/aqua-download-bench.XXXXXX")"
mkfifo "$WORK/control"
"$BIN/file-server" "$SIZE" 0 3600 < "$WORK/control" > "$WORK/url" &
SERVER=$!
exec 3> "$WORK/control"
cleanup() {
  exec 3>&- || true
  wait "$SERVER" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 100); do
  [ -s "$WORK/url" ] && break
  sleep 0.1
done
URL="$(head -n1 "$WORK/url")"
echo "file server: $URL/files/bench ($SIZE bytes), pid $SERVER"
FILE="$WORK/result.csv"
DL="$BIN/download-one"

wait_quiet
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/download.json" \
  --prepare "sh -c 'rm -f $FILE && sync'" \
  -n generated "$DL generated $URL $FILE" \
  -n raw "$DL raw $URL $FILE" \
  -n raw-fsync "$DL raw-fsync $URL $FILE" \
  -n curl "curl -sS -u demo:demo -o $FILE $URL/files/bench"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
ls -l "$FILE"
python3 "$REPO/benches/scripts/summarize.py" "$OUT/download.json" --baseline raw --bytes "$SIZE"

echo "peak RSS, 3 runs each:"
for mode in generated raw raw-fsync; do
  echo "  $mode: $(peak_rss 3 "$DL" "$mode" "$URL" "$FILE")"
  rm -f "$FILE"
done
echo "  curl: $(peak_rss 3 curl -sS -u demo:demo -o "$FILE" "$URL/files/bench")"
echo "  file-server (whole run so far): $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER/status")"
