// Runtime benchmarks: (a) fib(25) against plain JS, (b) spawning and joining 100,000 tasks against Node's async
// functions under Promise.all, (c) memory per suspended task, (d) stepping back within a 1,000,000-step run that spawned
// 4,693 tasks, and the checkpoints' memory per 1,000,000 steps, (e) the same with 0, 10,000 and 100,000 live objects,
// and the memory the checkpoints of those runs take.
// Run alone with `node --expose-gc --import tsx bench/runtime.ts`; prints one line per measurement with the ratio measured side by side.
import { loadavg } from 'node:os';
import { TimeTravel } from '../runtime/checkpoint.js';
import { compileProgram, loadProgram, type Program } from '../runtime/index.js';
import { Machine } from '../runtime/machine.js';
import { longWithHeap } from '../test/support/programs.js';

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
  const tasks = machine.s.tasks.length - 1;
  line('(d) step back at step 1,000,000', `${median(times).toFixed(1)} ms median, ${worst.toFixed(1)} ms worst (run ${runMs.toFixed(0)} ms, ${travel.steps.length} checkpoints, ${tasks.toLocaleString('en')} tasks)`, '< 50 ms', worst < 50);
  const memory = travel.memory();
  console.log(`${''.padEnd(44)} checkpoint memory (estimate): ${(memory.bytes / (1024 * 1024) / (machine.s.steps / 1e6)).toFixed(1)} MB per 1M steps, ${Math.round(memory.structureObjects / memory.checkpoints).toLocaleString('en')} structure objects a checkpoint`);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

// (e) time travel with live objects: a list of `size` structs alive through a run of about 1,000,000 steps
async function benchHeapSizes(): Promise<void> {
  for (const size of [0, 10_000, 100_000]) {
    const program = await compile(longWithHeap(size));
    const last = program.stmts.findIndex(st => st.module === 'bench.aria' && st.line === 14); // the print (lines count from 0)
    const stop = { breakpoints: new Set([last]) };
    // the live heap of the run itself, without time travel
    gc();
    const base = process.memoryUsage().heapUsed;
    let plain: Machine | undefined = new Machine(program, { write: () => {} }, { workers: 4 });
    plain.run(Infinity, { stop });
    gc();
    const live = process.memoryUsage().heapUsed - base;
    plain = undefined;
    gc();
    // the same run under time travel, with the debugger's settings (a checkpoint every 20,000 steps, at most 128)
    const machine = new Machine(program, { write: () => {} }, { workers: 4 });
    const travel = new TimeTravel(machine, { minInterval: 20_000, maxCheckpoints: 128 });
    const t0 = performance.now();
    const r = travel.run(Infinity, { stop });
    const runMs = performance.now() - t0;
    if (r.kind !== 'stop') throw new Error(`the run did not stop at the last line: ${r.kind}`);
    gc();
    const withTravel = process.memoryUsage().heapUsed - base;
    const estimate = travel.memory();
    const perMillion = (bytes: number) => (bytes / (machine.s.steps / 1e6) / (1024 * 1024)).toFixed(1);
    // step back as the debugger does: the last statement of the task before now, then land there
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 8; i++) {
      const now = machine.s.steps;
      const depth = machine.s.tasks[r.task]!.frames.length;
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      const found = travel.lastStopBefore(now, { breakpoints: new Set(), task: r.task, maxDepth: depth }, () => true);
      if (!found || travel.replayTo(found.step, r.task) < 0) throw new Error('step back found nothing');
      travel.forgetAfter(machine.s.steps);
      wall.push(performance.now() - w0);
      cpu.push(cpuMs(c0));
    }
    const worst = Math.max(...wall);
    const label = `(e) ${size.toLocaleString('en')} live objects`;
    line(`${label}: step back at ${machine.s.steps.toLocaleString('en')}`, `${median(wall).toFixed(1)} ms median, ${worst.toFixed(1)} ms worst (cpu ${median(cpu).toFixed(1)} ms median)`, '< 50 ms', worst < 50);
    console.log(`${''.padEnd(44)} checkpoint memory: ${((withTravel - live) / (1024 * 1024)).toFixed(1)} MB measured (${perMillion(withTravel - live)} MB per 1M steps; estimate ${(estimate.bytes / (1024 * 1024)).toFixed(1)} MB), ${estimate.checkpoints} checkpoints, ${estimate.heapPairs.toLocaleString('en')} heap versions, ${estimate.heapCopies} copied; live heap of the run ${(live / (1024 * 1024)).toFixed(1)} MB; run ${runMs.toFixed(0)} ms`);
  }
}

console.log(`node ${process.version}; virtual-time runtime, timings are wall clock on this machine (load average ${loadavg()[0]!.toFixed(1)})`);
await benchFib();
await benchSpawn();
await benchMemory();
await benchStepBack();
await benchHeapSizes();
