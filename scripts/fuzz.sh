#!/usr/bin/env bash
# Fuzzes the feed parser and the HTML sanitizer with libFuzzer for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Builds TributaryCore, XMLSupport and FeedParse from source with -sanitize=fuzzer,address (coverage
# and ASan in every module, and String(validUTF8:)'s check on) together with Tests/Fuzz/ParserFuzz.swift,
# then runs the target on a seed
# corpus: Tests/Fixtures/feeds and ../shared/conformance as parser inputs, the same files prefixed
# with a 0 byte as sanitizer inputs. Everything lives in .fuzz/ (git-ignored); crashing inputs are
# written to .fuzz/crashes/. Exit status is libFuzzer's: non-zero when it found something.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.fuzz"
build="$out/build"
corpus="$out/corpus"
seeds="$out/seeds"
mkdir -p "$build" "$corpus" "$seeds" "$out/crashes"

flags=(-parse-as-library -sanitize=fuzzer,address -O -g -D CHECK_VALID_UTF8 -package-name tributary -I "$build"
    -Xcc "-fmodule-map-file=$root/Sources/CLibXML2/module.modulemap" -Xcc -I/usr/include/libxml2)

build_module() {  # name, sources...
    local name="$1"
    shift
    swiftc "${flags[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
        -c "$@" -o "$build/$name.o"
}

echo "building modules with -sanitize=fuzzer,address..."
build_module TributaryCore "$root"/Sources/TributaryCore/*.swift
build_module XMLSupport "$root"/Sources/XMLSupport/*.swift
build_module FeedParse "$root"/Sources/FeedParse/*.swift
swiftc "${flags[@]}" "$root/Tests/Fuzz/ParserFuzz.swift" \
    "$build/TributaryCore.o" "$build/XMLSupport.o" "$build/FeedParse.o" -lxml2 -o "$out/parser-fuzz" \
    2> >(grep -v "Cannot export local symbol" >&2)

echo "collecting seeds..."
conformance="$root/../shared/conformance"
count=0
while IFS= read -r -d '' file; do
    [ "$(stat -c %s "$file")" -le 200000 ] || continue
    count=$((count + 1))
    cp "$file" "$seeds/p$count"
    { printf '\0'; cat "$file"; } > "$seeds/s$count"
done < <(find "$root/Tests/Fixtures/feeds" "$conformance" -type f \
    \( -name '*.xml' -o -name '*.rss' -o -name '*.atom' -o -name '*.rdf' -o -name '*.json' -o -name '*.html' \
       -o -name '*.png' \) -print0 2>/dev/null)
echo "$count seed files (x2: parser and sanitizer)"

cd "$out/crashes"
exec "$out/parser-fuzz" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/crashes/"
