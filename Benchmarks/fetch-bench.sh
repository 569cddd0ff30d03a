#!/usr/bin/env bash
# Fetch benchmark (issue 4): 2,000 feeds from a loopback server that delays every response by
# 200 ms, at 64-way concurrency; the whole `tributary fetch` (fetch + parse + store + generate)
# against `curl --parallel --parallel-max 64` on the same URL list, cold (all 200) and warm (all 304).
#
#   [TRIBUTARY=binary] Benchmarks/fetch-bench.sh [FEEDS] [DELAY]   (defaults 2000 and 0.2; release build of tributary)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
feeds=${1:-2000}
delay=${2:-0.2}
binary=${TRIBUTARY:-$PWD/.build/release/tributary}  # TRIBUTARY=path compares another build
[ -x "$binary" ] || swift build -c release --product tributary
corpus=$PWD/.bench-corpus
[ -f "$corpus/manifest.json" ] || python3 "$shared/bench/gen_corpus.py" --feeds 2000 --seed 1 --out "$corpus" >/dev/null
work=$(mktemp -d)
port=18095
python3 "$shared/bench/slow_server.py" --root "$corpus" --port $port --delay "$delay" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/f00001.xml" && break; sleep 0.2; done

head -n "$feeds" "$corpus/files.txt" > "$work/files.txt"
mkdir -p "$work/etags"
: > "$work/curl-cold.cfg"; : > "$work/curl-warm.cfg"
while read -r name; do
    printf 'url = "http://127.0.0.1:%s/%s"\noutput = "/dev/null"\ncompressed\netag-save = "%s/etags/%s"\n' \
        $port "$name" "$work" "$name" >> "$work/curl-cold.cfg"
    printf 'url = "http://127.0.0.1:%s/%s"\noutput = "/dev/null"\ncompressed\netag-compare = "%s/etags/%s"\n' \
        $port "$name" "$work" "$name" >> "$work/curl-warm.cfg"
done < "$work/files.txt"
{
    echo "settings: {store: store.sqlite, output: out, fetch: {concurrency: 64, per_host: 64, timeout: 60s}}"
    echo "categories:"
    echo "  - {id: bench, title: Bench, limit: 200}"
    echo "sources:"
    sed "s|.*|  - {url: \"http://127.0.0.1:$port/&\", categories: [bench]}|" "$work/files.txt"
} > "$work/feeds.yaml"

# Elapsed s, peak RSS KB, user and sys CPU s, and CPU time the hypervisor took from this machine
# meanwhile (steal, /proc/stat; on a shared VM it is what makes one run slower than the next).
steal() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print $9 / hz}' /proc/stat; }
seconds() {
    local before after measured
    before=$(steal)
    measured=$(/usr/bin/time -f '%e %M %U %S' "$@" 2>&1 >/dev/null | tail -1)
    after=$(steal)
    echo "$measured $(python3 -c "print(round($after - $before, 2))")"
}
echo "$feeds feeds, ${delay}s server delay, 64-way; ceiling $(python3 -c "print(int(64/$delay))") feeds/s"
curl_cold=$(seconds curl --parallel --parallel-max 64 -s -K "$work/curl-cold.cfg")
trib_cold=$(cd "$work" && seconds "$binary" fetch --config feeds.yaml)
curl_warm=$(seconds curl --parallel --parallel-max 64 -s -K "$work/curl-warm.cfg")
trib_warm=$(cd "$work" && seconds "$binary" fetch --config feeds.yaml --all)
report() {
    local label=$1 curl=$2 trib=$3
    read -r ct cm cu cs cst <<< "$curl"; read -r tt tm tu ts tst <<< "$trib"
    python3 -c "print(f'$label: curl {$ct:.2f} s ({$feeds/$ct:.0f} feeds/s), tributary fetch {$tt:.2f} s ({$feeds/$tt:.0f} feeds/s, peak RSS {$tm/1024:.0f} MB, CPU {$tu:.1f} s user + {$ts:.1f} s sys), ratio {$tt/$ct:.2f}x; CPU stolen by the hypervisor: {$cst:.1f} s during curl, {$tst:.1f} s during tributary')"
}
report cold "$curl_cold" "$trib_cold"
report warm "$curl_warm" "$trib_warm"
(cd "$work" && "$binary" stats --config feeds.yaml | head -2)
