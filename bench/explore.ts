// Exploration benchmarks: (a) schedules per second on a 10-task, 200-statement program (goal >= 1,000/s), per
// strategy; (b) how many schedules random and PCT need to find the lost update of examples/bug-lost-update.aria, and
// (c) the same race hidden among eight tasks that yield often (a narrower window, many more choice points).
// Run alone with `node --import tsx bench/explore.ts`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explore, type Strategy } from '../runtime/explore.js';
import { compileProgram, loadProgram, programForTest, runCompiled, type Program } from '../runtime/index.js';
import { lostUpdatePrelude } from '../test/support/programs.js';

async function compile(source: string, path: string): Promise<Program> {
  const { program, diagnostics } = await loadProgram(source, { path });
  if (diagnostics.length > 0) throw new Error(diagnostics.map(d => d.message).join('\n'));
  return compileProgram(program);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function line(label: string, value: string, target: string, ok: boolean): void {
  console.log(`${label.padEnd(52)} ${value.padEnd(40)} target ${target.padEnd(14)} ${ok ? 'ok' : 'MISSED'}`);
}

// (a) Ten tasks that each compute, yield and compute again: every yield is a point where the schedule may change.
const TEN_TASKS = `
fn work(n: Int) -> {Async} Int
  acc = n
  for i in 0..4
    acc = acc + i * n
    yield_now()
  end
  acc
end

tasks = []
for n in 0..10
  push(tasks, spawn work(n))
end
print(sum(join(tasks)))
`;
const ten = await compile(TEN_TASKS, 'ten-tasks.aria');
const steps = runCompiled(ten).steps;
for (const strategy of ['random', 'pct', 'dfs'] as Strategy[]) {
  const rates: number[] = [];
  let points = 0;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    const r = explore(ten, { strategy, schedules: 2000, seed: rep + 1 });
    rates.push(r.schedules / ((performance.now() - t0) / 1000));
    points = r.maxPoints;
  }
  const rate = median(rates);
  line(`(a) ${strategy}: 10 tasks, ${steps} statements, ${points} choice points`, `${Math.round(rate).toLocaleString('en-US')} schedules/s`, '>= 1,000/s', rate >= 1000);
}

// (b) Schedules until the lost update shows, over 30 strategy seeds (no shrinking; the count is the failing schedule).
const example = join(import.meta.dirname, '..', 'examples', 'bug-lost-update.aria');
const lost = programForTest(await compile(readFileSync(example, 'utf8'), 'examples/bug-lost-update.aria'), 'deposits_all_land')!;
for (const strategy of ['random', 'pct'] as Strategy[]) {
  const found: number[] = [];
  let missed = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const r = explore(lost, { strategy, schedules: 1000, seed, shrink: false });
    if (r.failure) found.push(r.failure.schedule);
    else missed++;
  }
  const worst = found.length ? Math.max(...found) : Infinity;
  line(`(b) ${strategy}: schedules to find the lost update`, `median ${found.length ? median(found) : '-'}, worst ${worst}, missed ${missed}/30`, '<= 1,000', missed === 0 && worst <= 1000);
}

// (c) The lost update among eight noisy tasks: the first deposit must be held back until the others are done.
const NEEDLE = `
${lostUpdatePrelude(8)}@test
fn deposits_all_land()
  account = Account(100)
  others = []
  for n in 0..8
    push(others, spawn noise(n))
  end
  first = spawn deposit(account, 10)
  join(others)
  second = spawn deposit(account, 20)
  first.await
  second.await
  assert_eq(account.balance, 130)
end
`;
const needle = programForTest(await compile(NEEDLE, 'needle.aria'), 'deposits_all_land')!;
if (runCompiled(needle).failure) throw new Error('the default schedule of the needle program must pass');
for (const [strategy, depth] of [['random', undefined], ['pct', 2], ['pct', 3]] as [Strategy, number | undefined][]) {
  const found: number[] = [];
  let missed = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const r = explore(needle, { strategy, schedules: 3000, seed, depth, shrink: false });
    if (r.failure) found.push(r.failure.schedule);
    else missed++;
  }
  const label = `(c) ${strategy}${depth ? ` d=${depth}` : ''}: the lost update among 8 noisy tasks`;
  line(label, `median ${found.length ? median(found) : '-'}, worst ${found.length ? Math.max(...found) : '-'}, missed ${missed}/30`, 'median <= 1,000', found.length >= 15 && median(found) <= 1000);
}
