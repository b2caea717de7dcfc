// Bundles the extension, language server, CLI and debug adapter into CommonJS files under dist/ (or --outdir).
//
//   node scripts/build.mjs [--outdir DIR] [--only extension,server,cli,debug] [--minify] [--no-sourcemap] [--quiet]
//
// Entry points that do not exist yet (the server, the debug adapter) are skipped with a note, so the build works
// while the project is being assembled. The package is "type": "module", so the output folder gets its own
// package.json with {"type": "commonjs"}: Node and VS Code's extension host then load the .js bundles with require.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What gets bundled. `footer` makes a bundle runnable as a program (`node dist/cli.js run x.aria`) while it stays
 * loadable as a module (bin/aria.js requires dist/cli.js and calls `main` itself, so require.main differs there).
 * server/main.ts and debug/main.ts may either start themselves or export `start`; the footer covers the latter.
 */
const entries = [
  { name: 'extension', source: 'client/extension.ts', external: ['vscode'] },
  {
    name: 'server',
    source: 'server/main.ts',
    footer: [
      'if (require.main === module && typeof module.exports.start === "function") {',
      '  Promise.resolve(module.exports.start()).catch(function (e) { console.error(e); process.exit(1); });',
      '}',
    ],
  },
  {
    name: 'cli',
    source: 'cli/main.ts',
    footer: [
      'if (require.main === module && typeof module.exports.main === "function") {',
      '  module.exports.main(process.argv.slice(2)).then(',
      '    function (code) { process.exitCode = code; },',
      '    function (e) { console.error("aria: internal error: " + (e && e.stack ? e.stack : e)); process.exitCode = 70; });',
      '}',
    ],
  },
  // the timeline webview's script: runs in the browser, loaded by the page from dist/
  { name: 'timeline', source: 'client/debug/timeline-webview.ts', browser: true },
  {
    name: 'debug',
    source: 'debug/main.ts',
    footer: [
      'if (require.main === module && typeof module.exports.start === "function") {',
      '  Promise.resolve(module.exports.start()).catch(function (e) { console.error(e); process.exit(1); });',
      '}',
    ],
  },
];

/** Files loaded at run time from beside the bundles (grammar/parser.ts looks next to itself first). */
const assets = [
  'grammar/tree-sitter-aria.wasm',
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
];

// In CJS output esbuild leaves `import.meta` empty. Dependencies such as web-tree-sitter's ESM build call
// createRequire(import.meta.url) and new URL('x.wasm', import.meta.url); pointing import.meta.url at the bundle
// itself keeps those working and makes them find the assets copied beside it.
const importMetaBanner = 'var __aria_import_meta_url = require("url").pathToFileURL(__filename).href;';

/** Thrown after all entries were tried when some failed; `failures` has one line per esbuild error. */
export class BuildError extends Error {
  constructor(failures) {
    super(`build failed:\n${failures.join('\n')}`);
    this.failures = failures;
  }
}

/**
 * Builds every entry that exists into `outdir`; returns what was built and what was skipped.
 * @param {{ outdir?: string, only?: string[], minify?: boolean, sourcemap?: boolean, log?: (line: string) => void }} [options]
 */
export async function build(options = {}) {
  const outdir = resolve(options.outdir ?? join(repoRoot, 'dist'));
  const log = options.log ?? (line => process.stdout.write(`${line}\n`));
  const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
  // `aria explain` prints the sections of docs/diagnostics.md: the bundle carries the document itself.
  const diagnosticsDoc = readFileSync(join(repoRoot, 'docs', 'diagnostics.md'), 'utf8');
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

  const built = [];
  const skipped = [];
  const failed = [];
  for (const entry of entries) {
    if (options.only && !options.only.includes(entry.name)) continue;
    const source = join(repoRoot, entry.source);
    if (!existsSync(source)) {
      skipped.push(entry.name);
      log(`build: skipped ${entry.name} (${entry.source} does not exist yet)`);
      continue;
    }
    const outfile = join(outdir, `${entry.name}.js`);
    let result;
    try {
      result = await esbuild.build({
        absWorkingDir: repoRoot,
        entryPoints: [source],
        outfile,
        bundle: true,
        format: entry.browser ? 'iife' : 'cjs',
        platform: entry.browser ? 'browser' : 'node',
        target: entry.browser ? 'es2022' : 'node20',
        sourcemap: options.sourcemap ?? true,
        minify: options.minify ?? false,
        external: entry.external ?? [],
        // for packages without an exports map, prefer their CommonJS "main" over an ESM "module" in a CJS bundle
        mainFields: ['main', 'module'],
        define: entry.browser ? {} : {
          'import.meta.url': '__aria_import_meta_url', ARIA_VERSION: JSON.stringify(version), ARIA_DIAGNOSTICS_DOC: JSON.stringify(diagnosticsDoc),
        },
        banner: entry.browser ? undefined : { js: importMetaBanner },
        footer: entry.footer ? { js: entry.footer.join('\n') } : undefined,
        logLevel: 'silent',
        metafile: false,
      });
    } catch (error) {
      // keep building the other entries so one broken part does not hide the state of the rest
      const errors = error && Array.isArray(error.errors) ? error.errors : [{ text: String(error) }];
      for (const e of errors) {
        const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
        failed.push(`${entry.name}: ${where}${e.text}`);
      }
      continue;
    }
    for (const warning of result.warnings) {
      log(`build: warning in ${entry.name}: ${warning.text}${warning.location ? ` (${warning.location.file}:${warning.location.line})` : ''}`);
    }
    built.push(entry.name);
    log(`build: ${entry.source} -> ${relative(process.cwd(), outfile) || outfile}`);
  }

  for (const asset of assets) {
    const from = join(repoRoot, asset);
    if (!existsSync(from)) throw new Error(`build: missing asset ${asset}`);
    copyFileSync(from, join(outdir, asset.split('/').pop()));
  }
  if (failed.length) throw new BuildError(failed);
  return { outdir, built, skipped };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = flag => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quiet = args.includes('--quiet');
  build({
    outdir: value('--outdir'),
    only: value('--only')?.split(','),
    minify: args.includes('--minify'),
    sourcemap: !args.includes('--no-sourcemap'),
    log: quiet ? () => {} : undefined,
  }).catch(error => {
    if (error instanceof BuildError) for (const line of error.failures) process.stderr.write(`build: error in ${line}\n`);
    else process.stderr.write(`build: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
}
