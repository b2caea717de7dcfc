#!/usr/bin/env bash
# Regenerates the Aria parser (grammar/src) and the web-tree-sitter module (grammar/tree-sitter-aria.wasm).
# Needs the tree-sitter CLI 0.22.6 and clang/wasm-ld: `bash ../shared/tools/install-grammar-toolchain.sh`.
set -euo pipefail
cd "$(dirname "$0")"
command -v tree-sitter >/dev/null || { echo "tree-sitter CLI not on PATH: run ../shared/tools/install-grammar-toolchain.sh" >&2; exit 2; }
command -v wasm-ld >/dev/null || { echo "wasm-ld not on PATH: run ../shared/tools/install-grammar-toolchain.sh" >&2; exit 2; }
tree-sitter generate --no-bindings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for c in parser scanner; do
  clang --target=wasm32-unknown-emscripten -fPIC -Os -c -fvisibility=hidden \
    -isystem /usr/include/wasm32-wasi -I src "src/$c.c" -o "$work/$c.o"
done
wasm-ld --shared --experimental-pic --export=tree_sitter_aria \
  --export=tree_sitter_aria_external_scanner_create --export=tree_sitter_aria_external_scanner_destroy \
  --export=tree_sitter_aria_external_scanner_serialize --export=tree_sitter_aria_external_scanner_deserialize \
  --export=tree_sitter_aria_external_scanner_scan \
  --allow-undefined --no-entry -o tree-sitter-aria.wasm "$work/parser.o" "$work/scanner.o"
# The freshness test compares this stamp with grammar.js and the generated sources.
node ../scripts/grammar-stamp.mjs write
echo "built grammar/src and grammar/tree-sitter-aria.wasm"
