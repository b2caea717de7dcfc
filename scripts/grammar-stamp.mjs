// Records (write) or verifies (check) the hashes tying grammar.js, src/parser.c, src/scanner.c and the .wasm together.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const grammarDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'grammar');
const files = ['grammar.js', 'src/scanner.c', 'src/parser.c', 'src/grammar.json', 'tree-sitter-aria.wasm'];
const stampPath = join(grammarDir, 'src', 'STAMP.json');

export function currentHashes() {
  return Object.fromEntries(files.map(f => [f, createHash('sha256').update(readFileSync(join(grammarDir, f))).digest('hex')]));
}

export function readStamp() {
  return JSON.parse(readFileSync(stampPath, 'utf8'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === 'write') {
    writeFileSync(stampPath, JSON.stringify(currentHashes(), null, 2) + '\n');
  } else {
    const stamp = readStamp();
    const now = currentHashes();
    const stale = files.filter(f => stamp[f] !== now[f]);
    if (stale.length) {
      console.error(`grammar out of step (${stale.join(', ')}): run npm run build:grammar`);
      process.exit(1);
    }
    console.log('grammar in step');
  }
}
