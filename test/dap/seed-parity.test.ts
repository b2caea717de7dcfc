// One seed, one run: a program run by `aria run` and by the debug adapter prints the same and ends at the same
// virtual time, with the default seed and with a given one; the adapter's first output line names the seed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describe, expect, it } from 'vitest';
import { repoRoot, useAdapter } from './harness.js';

const { client, adapterPath } = useAdapter();

/** `aria run PROGRAM --stats [--seed S]`: what it printed, the seed its stats name, and its final virtual time. */
function cliRun(path: string, seed?: number): { output: string; seed: number; virtualMs: string } {
  const args = [join(dirname(adapterPath()), 'cli.js'), 'run', path, '--stats', ...(seed === undefined ? [] : ['--seed', String(seed)])];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const at = r.stdout.lastIndexOf('\nseed ');
  const stats = r.stdout.slice(at);
  return {
    output: r.stdout.slice(0, at),
    seed: Number(/^\nseed (\d+)\n/.exec(stats)![1]),
    virtualMs: /virtual time (\d+\.\d{3}) ms/.exec(stats)![1]!,
  };
}

/** The same program through the debug adapter, run to its end: its output, its first console line, its final clock. */
async function dapRun(path: string, seed?: number): Promise<{ output: string; firstLine: string; virtualMs: string }> {
  const c = await client();
  let output = '';
  const consoleLines: string[] = [];
  let clockMs = -1;
  c.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === 'stdout') output += e.body.output;
    if (e.body.category === 'console') consoleLines.push(e.body.output);
  });
  c.on('aria/runtimeChanged', (e: DebugProtocol.Event) => {
    const body = e.body as { reason: string; clockMs: number };
    if (body.reason === 'terminated') clockMs = body.clockMs;
  });
  const terminated = c.waitForEvent('terminated');
  await Promise.all([
    c.waitForEvent('initialized').then(() => c.configurationDoneRequest()),
    c.launch({ program: path, ...(seed === undefined ? {} : { seed }) }),
  ]);
  await terminated;
  return { output, firstLine: consoleLines[0] ?? '', virtualMs: clockMs.toFixed(3) };
}

describe('the same seed means the same run in aria run and in the debugger', () => {
  for (const name of ['worker-pool.aria', 'fan-out-pipeline.aria']) {
    it(`${name}: the default seed (1) and seed 7 give equal output and final virtual time`, async () => {
      const path = join(repoRoot, 'examples', name);
      for (const seed of [undefined, 7]) {
        const cli = cliRun(path, seed);
        const dap = await dapRun(path, seed);
        expect(cli.seed).toBe(seed ?? 1);
        expect(dap.firstLine).toContain(`seed ${seed ?? 1},`);
        expect(dap.output).toBe(cli.output);
        expect(dap.virtualMs).toBe(cli.virtualMs);
      }
    });
  }

  it('seeds change the schedule: a program whose output depends on it agrees seed by seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-seed-'));
    const path = join(dir, 'race.aria');
    // Six tasks print as they finish; which worker runs which, and so the order, is the schedule's.
    writeFileSync(path, [
      'fn work(n: Int) -> {IO} Unit',
      '  total = 0',
      '  for i in 0..50',
      '    total += i',
      '  end',
      '  print("task", n)',
      'end',
      'tasks = map([1, 2, 3, 4, 5, 6], |n| spawn work(n))',
      'join(tasks)',
      '',
    ].join('\n'));
    try {
      const outputs = new Set<string>();
      for (const seed of [1, 2, 3]) {
        const cli = cliRun(path, seed);
        const dap = await dapRun(path, seed);
        expect(dap.output).toBe(cli.output);
        expect(dap.virtualMs).toBe(cli.virtualMs);
        outputs.add(cli.output);
      }
      expect(outputs.size).toBeGreaterThan(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the debugger reads aria.toml', () => {
  it('a launch without flavor and workers takes them from the project file; the first line says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-project-'));
    writeFileSync(join(dir, 'aria.toml'), '[runtime]\nflavor = "single"\n');
    writeFileSync(join(dir, 'main.aria'), 'print(1)\n');
    try {
      const dap = await dapRun(join(dir, 'main.aria'));
      expect(dap.firstLine).toContain('single runtime (1 worker)');
      writeFileSync(join(dir, 'aria.toml'), '[runtime]\nworkers = 3\n');
      expect((await dapRun(join(dir, 'main.aria'))).firstLine).toContain('multi runtime (3 workers)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
