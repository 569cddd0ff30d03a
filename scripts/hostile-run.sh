#!/usr/bin/env bash
# Peak RSS and wall time of `tributary fetch --all` over N sources that are all hostile
# (every route of scripts/hostile_server.py, round robin), next to N healthy sources on the same server.
#
#   scripts/hostile-run.sh [N] [BINARY]
#
# N defaults to 60; BINARY to .build/release/tributary, else .build/debug/tributary. Limits are the
# defaults of feeds.yaml except a 10 MB body cap, a 15 s total timeout and concurrency 16.
# With KEEP_LOG=FILE the hostile run's stderr (one line per failed source) is copied to FILE.
# KINDS="endless" (a space-separated list of routes) replaces the hostile mix, MAX_BODY (default
# 10MB) the body cap: `KINDS=endless MAX_BODY=20MB scripts/hostile-run.sh 10` is ten sources that
# each stream 1 GiB, at the default 20 MB cap.
set -euo pipefail

count="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${2:-}"
if [[ -z "$binary" ]]; then
    binary="$root/.build/release/tributary"
    [[ -x "$binary" ]] || binary="$root/.build/debug/tributary"
fi
port=$((20000 + RANDOM % 20000))
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 "$root/scripts/hostile_server.py" --port "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.1; done

read -r -a kinds <<< "${KINDS:-huge declared bomb drip loop truncated gone busy error empty html binary laughs deep}"
run() {  # name, url-generator
    local name="$1" dir="$work/$1"
    mkdir -p "$dir"
    {
        echo "settings: {store: data/store.sqlite, output: public, fetch: {concurrency: 16, timeout: 15s, max_body: ${MAX_BODY:-10MB}}}"
        echo "categories: [{id: all-sources, title: All}]"
        echo "sources:"
        for i in $(seq "$count"); do echo "  - {url: \"http://127.0.0.1:$port/$($2 "$i")/$i\", categories: [all-sources]}"; done
    } > "$dir/feeds.yaml"
    (cd "$dir" && /usr/bin/time -f "%M %e" -o "$dir/time" "$binary" fetch --all > /dev/null 2> "$dir/stderr" || true)
    read -r rss seconds < <(tail -n 1 "$dir/time")  # GNU time adds "Command exited with ..." first
    printf "%-8s %4d sources  peak RSS %7.1f MB  wall %6.1f s  failed %d\n" "$name" "$count" \
        "$(echo "$rss / 1024" | bc -l)" "$seconds" "$(grep -c . "$dir/stderr" || true)"
}
healthy() { echo ok; }
hostile() { echo "${kinds[$(( ($1 - 1) % ${#kinds[@]} ))]}"; }
run healthy healthy
run hostile hostile
if [[ -n "${KEEP_LOG:-}" ]]; then cp "$work/hostile/stderr" "$KEEP_LOG"; fi
