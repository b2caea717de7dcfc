// Runs vscode-tmgrammar-test's unit and snapshot tools over the TextMate grammar, as child processes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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
  return walkAria(examplesDir).map(full => relative(examplesDir, full));
}

/** Every `.aria` file under `dir`, sorted. */
function walkAria(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return walkAria(full);
      return entry.name.endsWith('.aria') ? [full] : [];
    })
    .sort();
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

/** The `.aria` fixtures frozen under snapshots/ (copies of the examples), relative to that folder. */
export function snapshotFixtures(): string[] {
  return walkAria(snapshotsDir).map(full => relative(snapshotsDir, full));
}

/**
 * Snapshot-tests the frozen copies of the examples in snapshots/ against their committed `.snap` files. The copies
 * keep this test about the grammar: editing an example (its expected output, its error codes) does not break it.
 */
export function runSnapshots(): ToolRun & { readonly missing: string[] } {
  const missing = snapshotFixtures().filter(fixture => !existsSync(join(snapshotsDir, `${fixture}.snap`)));
  return { ...runTool('snapshot.js', ['--config', 'package.json', 'test/textmate/snapshots/**/*.aria']), missing };
}

/** After an intended grammar change or to take in new examples: copies the examples afresh and rewrites every snapshot. */
export function refreshSnapshots(): ToolRun {
  rmSync(snapshotsDir, { recursive: true, force: true });
  for (const example of exampleFiles()) {
    const target = join(snapshotsDir, example);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(examplesDir, example), target);
  }
  return runTool('snapshot.js', ['--config', 'package.json', '--updateSnapshot', 'test/textmate/snapshots/**/*.aria']);
}
