// Runs every benchmark in bench/*.ts (or those whose names contain an argument), in name order, each in its own
// process; fails if one fails.
//
// Each benchmark is bundled with esbuild first and run by plain node, as the product ships: under tsx, esbuild's
// keepNames wraps every closure in a `__name(...)` call (an Object.defineProperty per closure created), which
// costs the analysis a measurable share and would be counted against the code being measured.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
// One level below the repository root, as bench/ is, so that paths benchmarks compute from the repository stay right.
const outDir = join(root, '.bench-out');
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter(name => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .filter(name => only.length === 0 || only.some(o => name.includes(o)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmarks in ${benchDir}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}

/** Keeps `import.meta.url` and `import.meta.dirname` meaning each source file's own place once bundled. */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, args => {
      if (args.path.includes('node_modules')) return undefined;
      const contents = readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
      return { contents, loader: 'ts' };
    });
  },
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const failed = [];
try {
  for (const name of files) {
    console.log(`\n== bench/${name}`);
    const out = join(outDir, name.replace(/\.ts$/, '.mjs'));
    await esbuild.build({
      entryPoints: [join(benchDir, name)], outfile: out, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', logLevel: 'warning', plugins: [ownImportMeta],
    });
    // --expose-gc: the memory measurements collect garbage before reading the heap
    const result = spawnSync(process.execPath, ['--expose-gc', out], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) failed.push(name);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
