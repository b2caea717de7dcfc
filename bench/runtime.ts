// Runtime benchmarks: (a) fib(25) against plain JS, (b) spawning and joining 100,000 tasks against Node's async
// functions under Promise.all, (c) memory per suspended task, (d) stepping back within a 1,000,000-step run.
// Run alone with `node --expose-gc --import tsx bench/runtime.ts`; prints one line per measurement with the ratio measured side by side.
import { TimeTravel } from '../runtime/checkpoint.js';
import { compileProgram, loadProgram, type Program } from '../runtime/index.js';
import { Machine } from '../runtime/machine.js';

/** V8's collector: the process must start with --expose-gc (scripts/bench.mjs passes it). */
function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc (npm run bench does)');
  collect();
}

async function compile(source: string): Promise<Program> {
  const { program, diagnostics } = await loadProgram(source, { path: 'bench.aria' });
  if (diagnostics.length > 0) throw new Error(diagnostics.map(d => d.message).join('\n'));
  return compileProgram(program);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runAria(program: Program, options = {}): { ms: number; machine: Machine; output: string } {
  let output = '';
  const t0 = performance.now();
  const machine = new Machine(program, { write: t => { output += t; } }, options);
  machine.run();
  return { ms: performance.now() - t0, machine, output };
}

function line(label: string, value: string, target: string, ok: boolean): void {
  console.log(`${label.padEnd(44)} ${value.padEnd(44)} target ${target.padEnd(12)} ${ok ? 'ok' : 'MISSED'}`);
}

// (a) fib(25)
const FIB = `
fn fib(n)
  if n < 2
    return n
  end
  fib(n - 1) + fib(n - 2)
end
print(fib(25))
`;
function jsFib(n: number): number {
  return n < 2 ? n : jsFib(n - 1) + jsFib(n - 2);
}

async function benchFib(): Promise<void> {
  const program = await compile(FIB);
  const ariaTimes: number[] = [];
  const jsTimes: number[] = [];
  let first = 0;
  for (let round = 0; round < 9; round++) {
    const r = runAria(program);
    if (round === 0) first = r.ms;
    if (r.output !== '75025\n') throw new Error(`fib(25) printed ${r.output}`);
    if (round >= 2) ariaTimes.push(r.ms);
    const t0 = performance.now();
    let x = 0;
    for (let i = 0; i < 20; i++) x += jsFib(25);
    if (x !== 75025 * 20) throw new Error('js fib');
    if (round >= 2) jsTimes.push((performance.now() - t0) / 20);
  }
  const aria = median(ariaTimes);
  const js = median(jsTimes);
  const ratio = aria / js;
  line('(a) fib(25): Aria VM vs plain JS', `${aria.toFixed(1)} ms vs ${js.toFixed(2)} ms = ${ratio.toFixed(1)}x (cold ${first.toFixed(0)} ms)`, '<= 30x', ratio <= 30);
}

// (b) spawn and join 100,000 tasks
const SPAWN = `
fn work(i) = i * 2
tasks = []
for i in 0..100000
  push(tasks, spawn work(i))
end
total = 0
for t in tasks
  total += t.await
end
print(total)
`;

async function benchSpawn(): Promise<void> {
  const program = await compile(SPAWN);
  const ariaTimes: number[] = [];
  const nodeTimes: number[] = [];
  async function work(i: number): Promise<number> {
    return i * 2;
  }
  for (let round = 0; round < 5; round++) {
    gc();
    const r = runAria(program);
    if (r.output !== `${99999 * 100000}\n`) throw new Error(`spawn printed ${r.output}`);
    if (round >= 1) ariaTimes.push(r.ms);
    gc();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 100_000 }, (_, i) => work(i)));
    let total = 0;
    for (const x of results) total += x;
    if (total !== 99999 * 100000) throw new Error('node spawn');
    if (round >= 1) nodeTimes.push(performance.now() - t0);
  }
  const aria = median(ariaTimes);
  const node = median(nodeTimes);
  const ratio = aria / node;
  line('(b) spawn + join 100,000 tasks vs Promise.all', `${aria.toFixed(0)} ms vs ${node.toFixed(1)} ms = ${ratio.toFixed(1)}x`, '<= 20x', ratio <= 20);
}

// (c) memory per suspended task
const SLEEPERS = `
fn nap(i)
  sleep(10000)
  i
end
tasks = []
for i in 0..100000
  push(tasks, spawn nap(i))
end
sleep(1000)
print(len(tasks))
sleep(50000)
`;

async function benchMemory(): Promise<void> {
  const program = await compile(SLEEPERS);
  gc();
  const before = process.memoryUsage().heapUsed;
  const machine = new Machine(program, { write: () => {} }, {});
  // Run until every task sleeps: stop before the `print`, which runs once the main task's own sleep ends.
  const print = program.stmts.findIndex(st => st.module === 'bench.aria' && st.line === 9);
  machine.run(Infinity, { stop: { breakpoints: new Set([print]) } });
  let sleeping = 0;
  let alive = 0;
  for (const t of machine.s.tasks) {
    if (t && !t.done && t.id !== machine.s.mainTask) alive++;
    if (t && t.state === 'blocked' && t.wait?.kind === 'sleep') sleeping++;
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const perTask = (after - before) / alive;
  line('(c) memory per suspended task (100,000 tasks)', `${perTask.toFixed(0)} B (${alive} alive, ${sleeping} asleep; Tokio ~400 B)`, '< 1 KB', perTask < 1024 && alive === 100_000);
  machine.run();
}

// (d) step back within a run of 1,000,000 steps
const LONG = `
fn job(n)
  acc = 0
  for i in 0..n
    acc += i
  end
  acc
end
total = 0
for round in 0..2000
  tasks = map(range(0, 4), |k| spawn job(100 + k))
  total += sum(join(tasks))
end
print(total)
`;

async function benchStepBack(): Promise<void> {
  const program = await compile(LONG);
  const machine = new Machine(program, { write: () => {} }, {});
  const travel = new TimeTravel(machine);
  const t0 = performance.now();
  travel.run(1_000_000);
  const runMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s0 = performance.now();
    travel.stepBack(1);
    times.push(performance.now() - s0);
  }
  const worst = Math.max(...times);
  line('(d) step back at step 1,000,000', `${median(times).toFixed(1)} ms median, ${worst.toFixed(1)} ms worst (run ${runMs.toFixed(0)} ms, ${travel.steps.length} checkpoints)`, '< 200 ms', worst < 200);
}

console.log(`node ${process.version}; virtual-time runtime, timings are wall clock on this machine`);
await benchFib();
await benchSpawn();
await benchMemory();
await benchStepBack();
