// `--jobs`: the bundled CLI as a user runs it, `aria test --explore`, with one thread and with two, side by side
// (interleaved runs, median wall and CPU time of whole processes), at small and large schedule counts, random and DFS.
// `-j 2` starts the second thread when the work left looks worth it; the default (2 threads on this 2-core machine)
// also waits for an idle core (load average below 1.5). The load average is printed: with other agents on the machine
// a second thread may find no idle core.
// Run alone with `node scripts/bench.mjs explore-jobs`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { noisyRace } from '../test/support/programs.js';

const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'aria-bench-jobs-'));
const work = mkdtempSync(join(tmpdir(), 'aria-bench-jobs-work-'));
const REPS = 5;
/** Whole-process CPU time (user + system) from /usr/bin/time, where it is. */
const timed = existsSync('/usr/bin/time');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

try {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  copyFileSync(join(root, 'examples', 'bug-lost-update-fixed.aria'), join(work, 'fixed.aria'));
  // The noisy race without the race (the deposit reads the balance after its wait): a DFS tree of 21,564 schedules.
  writeFileSync(join(work, 'noisy.aria'), noisyRace(3, 6).replace('  balance = account.balance\n', '').replace('balance + amount', 'account.balance + amount'));

  const cases: { label: string; args: string[] }[] = [
    { label: 'random, 1,000 schedules (small)', args: ['fixed.aria', '--explore', '1000'] },
    { label: 'random, 10,000 schedules', args: ['fixed.aria', '--explore', '10000'] },
    { label: 'random, 100,000 schedules (large)', args: ['fixed.aria', '--explore', '100000'] },
    { label: 'dfs, 33 schedules (small, exhausted)', args: ['fixed.aria', '--explore', '100000', '--strategy', 'dfs'] },
    { label: 'dfs, 21,564 schedules (large, exhausted)', args: ['noisy.aria', '--explore', '100000', '--strategy', 'dfs', '--depth', '3', '--workers', '2'] },
  ];
  const variants: { label: string; jobs?: string; env: Record<string, string> }[] = [
    { label: '-j 1', jobs: '1', env: {} },
    { label: '-j 2', jobs: '2', env: {} },
    { label: 'default', env: {} },
  ];
  console.log(`load average before: ${loadavg().map(l => l.toFixed(1)).join(' ')} (2 cores)`);
  for (const c of cases) {
    const times = variants.map(() => [] as number[]);
    const cpus = variants.map(() => [] as number[]);
    let summary = '';
    for (let rep = 0; rep < REPS; rep++) {
      variants.forEach((v, i) => {
        const t0 = performance.now();
        const command = [process.execPath, join(out, 'cli.js'), 'test', ...c.args, '--format', 'json', ...(v.jobs ? ['--jobs', v.jobs] : [])];
        const r = timed
          ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', ...command], { cwd: work, encoding: 'utf8', env: { ...process.env, ...v.env } })
          : spawnSync(command[0]!, command.slice(1), { cwd: work, encoding: 'utf8', env: { ...process.env, ...v.env } });
        times[i]!.push(performance.now() - t0);
        const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
        if (cpu) cpus[i]!.push(Number(cpu[1]) + Number(cpu[2]));
        const t = JSON.parse(r.stdout).tests[0] as { status: string; schedules: number; exhausted?: boolean };
        const s = `${t.status} ${t.schedules}${t.exhausted ? ' exhausted' : ''}`;
        if (summary && s !== summary) throw new Error(`${c.label}: ${v.label} reported ${s}, not ${summary}`);
        summary = s;
      });
    }
    const m = times.map(median);
    const cpu = cpus.map(xs => (xs.length ? `, CPU ${median(xs).toFixed(2)} s` : ''));
    console.log(`${c.label.padEnd(40)} ${summary.padEnd(22)} ${variants.map((v, i) => `${v.label} ${(m[i]! / 1000).toFixed(2)} s${cpu[i]}`).join('; ')}; wall -j 2 / -j 1: ${(m[1]! / m[0]!).toFixed(2)}`);
  }
  console.log(`load average after: ${loadavg().map(l => l.toFixed(1)).join(' ')}`);
} finally {
  rmSync(out, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
