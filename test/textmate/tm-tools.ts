// Runs vscode-tmgrammar-test's unit and snapshot tools over the TextMate grammar, as child processes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const examplesDir = join(repoRoot, 'examples');
export const snapshotsDir = join(repoRoot, 'test', 'textmate', 'snapshots');
export const unitDir = join(repoRoot, 'test', 'textmate', 'unit');
const toolDir = join(repoRoot, 'node_modules', 'vscode-tmgrammar-test', 'dist');

export interface ToolRun {
  readonly code: number | null;
  readonly output: string;
}

/** Every `.aria` file under examples/ (seed, errors and lib included), as paths relative to examples/. */
export function exampleFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return walk(full);
      return entry.name.endsWith('.aria') ? [full] : [];
    });
  return walk(examplesDir).map(full => relative(examplesDir, full)).sort();
}

/** The committed snapshot of an example (mirrors the examples/ tree). */
export function snapshotFor(example: string): string {
  return join(snapshotsDir, `${example}.snap`);
}

/** Runs one of the package's bins with node, from the repository root (so package.json supplies the grammar). */
function runTool(script: 'unit.js' | 'snapshot.js', args: readonly string[]): ToolRun {
  const result = spawnSync(process.execPath, [join(toolDir, script), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { code: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** The hand-written `# SYNTAX TEST` files. */
export function runUnitTests(): ToolRun {
  return runTool('unit.js', ['--config', 'package.json', 'test/textmate/unit/*.aria-test']);
}

/**
 * Snapshot-tests every example. The tool keeps `X.snap` beside `X`, so the examples and their committed snapshots
 * are laid out together in a scratch folder; with `update`, the tool's fresh snapshots are copied back.
 */
export function runSnapshots(options: { readonly update?: boolean } = {}): ToolRun & { readonly missing: string[] } {
  const examples = exampleFiles();
  const scratch = mkdtempSync(join(tmpdir(), 'aria-tm-snap-'));
  try {
    const missing: string[] = [];
    for (const example of examples) {
      const target = join(scratch, example);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(examplesDir, example), target);
      if (existsSync(snapshotFor(example))) copyFileSync(snapshotFor(example), `${target}.snap`);
      else missing.push(example);
    }
    const args = ['--config', 'package.json', ...(options.update ? ['--updateSnapshot'] : []), `${scratch}/**/*.aria`];
    const run = runTool('snapshot.js', args);
    if (options.update) {
      for (const example of examples) {
        mkdirSync(dirname(snapshotFor(example)), { recursive: true });
        copyFileSync(join(scratch, `${example}.snap`), snapshotFor(example));
      }
    }
    return { ...run, missing: options.update ? [] : missing };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
