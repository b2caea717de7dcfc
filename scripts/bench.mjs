// Runs every benchmark in bench/*.ts, in name order, each with `npx tsx` in its own process; fails if one fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter(name => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .filter(name => only.length === 0 || only.some(o => name.includes(o)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmarks in ${benchDir}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}

const failed = [];
for (const name of files) {
  console.log(`\n== bench/${name}`);
  const result = spawnSync('npx', ['tsx', join(benchDir, name)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
