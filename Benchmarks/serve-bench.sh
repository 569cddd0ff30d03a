#!/usr/bin/env bash
# Serving benchmark: `tributary serve` and nginx serving the same ~200 KB feed, side by side,
# with wrk -t2 -c64 -d10s in three modes: plain, gzip (pre-compressed on both), conditional (304).
#
#   [MODES="plain gzip conditional"] Benchmarks/serve-bench.sh [SECONDS] [ROUNDS]
#   (needs wrk and nginx-light; release build of tributary)
#
# Loopback only. Each mode runs ROUNDS times (default 3), tributary and nginx alternating, so a
# noisy neighbour on the machine hits both alike; prints every round and the medians with their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
seconds=${1:-10}
rounds=${2:-3}
binary=.build/release/tributary
[ -x "$binary" ] || swift build -c release --product tributary
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as another user
trap 'kill $serve_pid 2>/dev/null || true; "$shared/bench/nginx_ctl.sh" stop "$work/nginx" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

mkdir -p "$work/out/static"
python3 "$shared/bench/gen_corpus.py" --merged "$work/out/bench.xml" --merged-bytes 200000 >/dev/null
cp "$work/out/bench.xml" "$work/out/static/bench.xml"
gzip -1 -k "$work/out/static/bench.xml"
cat > "$work/feeds.yaml" <<YAML
settings: {store: store.sqlite, output: out, listen: "127.0.0.1:18081", base_url: "http://127.0.0.1:18081/"}
categories: []
sources: []
YAML
"$binary" serve --config "$work/feeds.yaml" --tick 3600 >"$work/serve.log" 2>&1 &
serve_pid=$!
"$shared/bench/nginx_ctl.sh" start "$work/nginx" "$work/out" 18082 >/dev/null
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:18081/bench.xml && break; sleep 0.2; done

size=$(stat -c %s "$work/out/bench.xml")
etag_t=$(curl -sI http://127.0.0.1:18081/bench.xml | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
etag_n=$(curl -sI http://127.0.0.1:18082/bench.xml | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag_t" http://127.0.0.1:18081/bench.xml)" = 304 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag_n" http://127.0.0.1:18082/bench.xml)" = 304 ]

rate() { wrk -t2 -c64 -d"${seconds}s" "$@" 2>&1 | awk '/Requests\/sec/{print $2}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "feed: $size bytes; wrk -t2 -c64 -d${seconds}s; $rounds rounds; $(nproc) cores"
printf '%-12s %14s %14s %8s\n' mode tributary nginx ratio
for mode in ${MODES:-plain gzip conditional}; do
    ts=(); ns=()
    for _ in $(seq "$rounds"); do
        case $mode in
        plain) t=$(rate http://127.0.0.1:18081/bench.xml); n=$(rate http://127.0.0.1:18082/bench.xml) ;;
        gzip) t=$(rate -H 'Accept-Encoding: gzip' http://127.0.0.1:18081/bench.xml)
              n=$(rate -H 'Accept-Encoding: gzip' http://127.0.0.1:18082/static/bench.xml) ;;
        conditional) t=$(rate -H "If-None-Match: $etag_t" http://127.0.0.1:18081/bench.xml)
              n=$(rate -H "If-None-Match: $etag_n" http://127.0.0.1:18082/bench.xml) ;;
        esac
        ts+=("$t"); ns+=("$n")
        printf '  %-10s %14s %14s %8s\n' "$mode" "$t" "$n" "$(python3 -c "print(f'{$t/$n:.2f}x')")"
    done
    t=$(median "${ts[@]}"); n=$(median "${ns[@]}")
    printf '%-12s %14s %14s %8s  (medians)\n' "$mode" "$t" "$n" "$(python3 -c "print(f'{$t/$n:.2f}x')")"
done
