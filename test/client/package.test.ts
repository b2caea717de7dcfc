// Packaging: the .vsix holds the bundles, grammar, configuration, icon, license and readme, and no sources or node_modules.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipEntryNames } from './zip-listing.js';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');
const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
const vsceFlags = ['--no-dependencies', '--readme-path', 'docs/extension.md'];

/** Paths (relative to the extension root) that may be shipped. */
const allowed = [
  /^package\.json$/,
  /^LICENSE(\.txt)?$/,
  /^language-configuration\.json$/,
  /^(readme\.md|docs\/extension\.md)$/,
  /^images\/icon\.png$/,
  /^syntaxes\/[\w.-]+\.tmLanguage\.json$/,
  /^dist\/package\.json$/,
  /^dist\/(extension|server|cli|debug|timeline)\.js$/,
  /^dist\/[\w.-]+\.wasm$/,
];
const isAllowed = (path: string): boolean => allowed.some(re => re.test(path));

let stage = '';
let entries: string[] = [];

beforeAll(async () => {
  // Package a staged copy: the real manifest, .vscodeignore and assets, fresh bundles, plus decoys that must be left out.
  stage = mkdtempSync(join(tmpdir(), 'aria-vsix-test-'));
  for (const item of ['package.json', '.vscodeignore', 'LICENSE', 'README.md', 'language-configuration.json', 'syntaxes', 'images', 'docs/extension.md']) {
    cpSync(join(repoRoot, item), join(stage, item), { recursive: true });
  }
  await run(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--outdir', join(stage, 'dist'), '--quiet'], { cwd: repoRoot });
  const decoys = ['node_modules/left-pad/index.js', 'client/extension.ts', 'server/main.ts', 'test/x.test.ts', 'tsconfig.json', 'examples/fib.aria'];
  for (const decoy of decoys) {
    mkdirSync(join(stage, decoy, '..'), { recursive: true });
    writeFileSync(join(stage, decoy), '// decoy\n');
  }
  await run(process.execPath, [vsce, 'package', ...vsceFlags, '--allow-missing-repository', '-o', join(stage, 'aria.vsix')], { cwd: stage });
  entries = zipEntryNames(join(stage, 'aria.vsix'));
}, 180_000);

afterAll(() => {
  if (stage) rmSync(stage, { recursive: true, force: true });
});

describe('vsce package', () => {
  it('ships the bundles, their wasm files and the CommonJS marker', () => {
    for (const name of ['dist/extension.js', 'dist/server.js', 'dist/cli.js', 'dist/timeline.js', 'dist/package.json', 'dist/tree-sitter-aria.wasm', 'dist/web-tree-sitter.wasm']) {
      expect(entries, name).toContain(`extension/${name}`);
    }
  });

  it('ships the grammar, language configuration, icon, license and readme', () => {
    for (const name of ['package.json', 'syntaxes/aria.tmLanguage.json', 'language-configuration.json', 'images/icon.png', 'LICENSE.txt', 'readme.md']) {
      expect(entries, name).toContain(`extension/${name}`);
    }
  });

  it('ships nothing else: no node_modules, TypeScript sources, source maps, tests or examples', () => {
    const shipped = entries.filter(e => e.startsWith('extension/')).map(e => e.slice('extension/'.length));
    expect(shipped.filter(e => !isAllowed(e))).toEqual([]);
    expect(shipped.some(e => e.includes('node_modules/'))).toBe(false);
    expect(shipped.some(e => e.endsWith('.ts') || e.endsWith('.map'))).toBe(false);
  });
});

describe('vsce ls in the repository', () => {
  it('would package only allowed files from the real working tree', async () => {
    const { stdout } = await run(process.execPath, [vsce, 'ls', ...vsceFlags], { cwd: repoRoot });
    const listed = stdout.split('\n').map(l => l.trim()).filter(Boolean);
    expect(listed).toContain('package.json');
    expect(listed.filter(e => !isAllowed(e))).toEqual([]);
  }, 60_000);
});
