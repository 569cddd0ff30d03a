#!/usr/bin/env bash
# Regeneration benchmark (issue 6): 50 categories x 200 items. A cold `tributary fetch` of the
# 2,000-feed corpus (loopback server, 200 ms per response, 64-way), the 2,000 sources spread over 50
# categories of 40 with `limit: 200`; prints the run's wall time, the generation time it logged
# (read / render / write) and the share. Then ROUNDS regenerations alone from the same store
# (marker removed, nothing due), for the steady figure.
#
#   Benchmarks/regen-bench.sh [ROUNDS]        (default 3; release build of tributary)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
rounds=${1:-3}
binary=$PWD/.build/release/tributary
[ -x "$binary" ] || swift build -c release --product tributary
corpus=$PWD/.bench-corpus
[ -f "$corpus/manifest.json" ] || python3 "$shared/bench/gen_corpus.py" --feeds 2000 --seed 1 --out "$corpus" >/dev/null
work=$(mktemp -d)
port=18097
python3 "$shared/bench/slow_server.py" --root "$corpus" --port $port --delay 0.2 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/f00001.xml" && break; sleep 0.2; done

{
    echo "settings: {store: store.sqlite, output: out, fetch: {concurrency: 64, per_host: 64, timeout: 60s}}"
    echo "categories:"
    for c in $(seq 1 50); do echo "  - {id: c$c, title: Category $c, limit: 200}"; done
    echo "sources:"
    awk -v port=$port '{ printf "  - {url: \"http://127.0.0.1:%s/%s\", categories: [c%d]}\n", port, $0, (NR - 1) % 50 + 1 }' "$corpus/files.txt"
} > "$work/feeds.yaml"

# The "generated" log line: duration, read, render, write (ms).
generation() { grep '"generated"' "$1" | python3 -c "
import json, sys
line = json.loads(sys.stdin.readline())
print(line['duration_ms'], line['read_ms'], line['render_ms'], line['write_ms'])"; }

cd "$work"
start=$(date +%s.%N)
"$binary" fetch --config feeds.yaml --log-format json --log-level info 2> cold.log
wall=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
read -r total read render write <<< "$(generation cold.log)"
echo "cold fetch of 2000 feeds into 50 categories x 200 items: $wall s wall"
python3 -c "print(f'  generation {$total} ms (read {$read}, render {$render}, write {$write}) = {$total / 10 / $wall:.1f}% of the run')"
for round in $(seq "$rounds"); do
    rm -f out/.tributary-generated
    "$binary" fetch --config feeds.yaml --log-format json --log-level info 2> regen.log
    read -r total read render write <<< "$(generation regen.log)"
    echo "  regeneration alone, round $round: $total ms (read $read, render $render, write $write)"
done
echo "files: $(ls out | wc -l), $(du -sh out | cut -f1)${KEEP:+; kept in $work}"
