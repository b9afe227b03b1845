#!/usr/bin/env bash
# Builds Fuzz/.build-fuzz/dissector-fuzzer: Sources/WireFormat + Fuzz/DissectorFuzzer.swift as ONE module,
# instrumented for libFuzzer and AddressSanitizer.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
SWIFTC="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
out="$here/.build-fuzz"
mkdir -p "$out"
# WireFormat, plus the QUIC Initial pieces that need no cryptography (frame parsing, CRYPTO reassembly).
mapfile -t sources < <(find "$root/Sources/WireFormat" -name '*.swift' | sort)
sources+=("$root/Sources/QUICInitial/InitialFrames.swift" "$root/Sources/QUICInitial/CryptoStreamReassembler.swift")
"$SWIFTC" -parse-as-library -sanitize=fuzzer,address -O -g \
    -enable-experimental-feature Lifetimes \
    -module-name WireFormat -module-cache-path "$out/module-cache" \
    "${sources[@]}" "$here/DissectorFuzzer.swift" \
    -use-ld=lld -o "$out/dissector-fuzzer"
echo "built $out/dissector-fuzzer"
