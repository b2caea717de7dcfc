#!/usr/bin/env node
// The `aria` command: loads the bundled CLI (dist/cli.js, built by `npm run build`) and runs it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write(`aria: ${bundle} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}
const { main } = createRequire(import.meta.url)(bundle);
main(process.argv.slice(2)).then(
  code => { process.exitCode = code; },
  error => {
    process.stderr.write(`aria: internal error: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 70;
  },
);
