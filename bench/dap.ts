// Benchmarks the debug adapter over DAP (the bundled dist/debug.js on stdio): step latency, stepBack within a 1,000,000-step
// run, and both again with 0, 10,000 and 100,000 live objects in the program's heap, and stepBack after 0, 1,000 and
// 5,000 tasks (`npm run bench dap`; `ARIA_BENCH_DAP=heap|next|back` for one part, `ARIA_BENCH_BASE=<worktree>` to
// measure another worktree's adapter side by side in the stepBack cases).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { longWithHeap } from '../test/support/programs.js';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..');

/** Eight workers looping with sleeps while main steps through its own loop. */
const STEPPING_PROGRAM = `# bench: main steps while eight tasks compute and sleep
fn work(id: Int) -> {Async} Int
  total = 0
  for round in range(0, 50)
    for i in range(0, 200)
      total += i * id
    end
    sleep(1.ms)
  end
  total
end

tasks = map(range(0, 8), |id| spawn work(id))
acc = 0
for k in range(0, 100000)
  acc += k
  acc = acc % 1000003
end
print(acc, sum(join(tasks)))
`;

/** About 1,000,000 statements before the last line, with four tasks running alongside. */
const LONG_PROGRAM = `# bench: a million steps, then stepBack
fn spin(n: Int) -> {Async} Int
  i = 0
  while i < n
    i += 1
  end
  i
end

helpers = map(range(0, 4), |k| spawn spin(60000))
n = 0
while n < 330000
  n += 1
end
print(n, sum(join(helpers)))
`;

/**
 * About 1,000,000 statements before the last line, `tasks` tasks spawned on the way (100 rounds of a batch of short
 * jobs, joined, then main's own loop): they have all ended by the breakpoint, as in a worker pool's long run.
 */
function manyTasks(tasks: number): string {
  const per = Math.round(tasks / 100);
  const pad = Math.max(100, Math.round((1_000_000 - tasks * 14) / 100 / 2));
  return `# bench: ${per * 100} tasks spawned over about a million steps
fn job(n: Int) -> {Async} Int
  acc = 0
  for i in 0..n % 7 + 1
    acc += i * n
  end
  yield_now()
  acc
end
total = 0
for round in 0..100
  tasks = map(range(0, ${per}), |n| spawn job(n))
  total += sum(join(tasks))
  n = 0
  while n < ${pad}
    n += 1
  end
end
print(total)
`;
}

/** Task counts the task benchmark runs at: tasks spawned (and ended) before the breakpoint. */
const TASK_COUNTS = [0, 1_000, 5_000];

/** Heap sizes the state benchmarks run at: live structs in one list. */
const SIZES = [0, 10_000, 100_000];

/** Builds `size` structs (about three statements each), so the prefix of each program holds that heap. */
function heapPrefix(size: number): string {
  return `struct Item(id: Int, score: Int)
items = map(range(0, ${size}), |i| Item(i, i * 2))
`;
}

/**
 * The stepping program with `size` live objects: main steps while eight tasks compute and sleep, and every other
 * `next` steps over a call of about 2,000 statements (so the stop after it takes a checkpoint).
 */
function steppingWithHeap(size: number): string {
  return `# bench: main steps while eight tasks compute, with ${size} live objects
${heapPrefix(size)}fn work(id: Int) -> {Async} Int
  total = 0
  for round in range(0, 50)
    for i in range(0, 200)
      total += i * id
    end
    sleep(1.ms)
  end
  total
end

fn crunch(k: Int) -> Int
  t = 0
  for i in range(0, 700)
    t += i * k
  end
  t % 1000003
end

tasks = map(range(0, 8), |id| spawn work(id))
acc = 0
for k in range(0, 100000)
  acc += crunch(k)
  acc = acc % 1000003
end
print(acc, len(items), sum(join(tasks)))
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

/**
 * CPU time the adapter's main thread has had, in ms (Linux's /proc/PID/schedstat, in ns): wall times on a loaded
 * machine follow the load, this does not. NaN where it cannot be read.
 */
function adapterCpuMs(dc: DebugClient): number {
  const pid = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Time the adapter's main thread was ready to run but waited for a CPU (the run queue; schedstat's second field), ms. */
function adapterQueuedMs(dc: DebugClient): number {
  const pid = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** This process's (the client's) own time waiting for a CPU, ms. */
function selfQueuedMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

interface TimedStop {
  readonly ms: number;
  readonly cpuMs: number;
  /** The adapter's run-queue wait, the client's own CPU and its run-queue wait during the step (wall time not spent working). */
  readonly queuedMs: number;
  readonly clientCpuMs: number;
  readonly clientQueuedMs: number;
  readonly stop: DebugProtocol.StoppedEvent;
}

async function timedStop(dc: DebugClient, request: () => Promise<unknown>): Promise<TimedStop> {
  const stopped = dc.waitForEvent('stopped', 60_000) as Promise<DebugProtocol.StoppedEvent>;
  const c0 = adapterCpuMs(dc);
  const q0 = adapterQueuedMs(dc);
  const s0 = process.cpuUsage();
  const sq0 = selfQueuedMs();
  const t0 = performance.now();
  await request();
  const stop = await stopped;
  const ms = performance.now() - t0;
  const self = process.cpuUsage(s0);
  return {
    ms, cpuMs: adapterCpuMs(dc) - c0, queuedMs: adapterQueuedMs(dc) - q0, clientCpuMs: (self.user + self.system) / 1000,
    clientQueuedMs: selfQueuedMs() - sq0, stop,
  };
}

async function launch(dc: DebugClient, programPath: string, breakpointLine?: number): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped', 120_000) as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      if (breakpointLine) await dc.setBreakpointsRequest({ source: { path: programPath }, breakpoints: [{ line: breakpointLine }] });
      await dc.configurationDoneRequest();
    }),
    dc.launch({ program: programPath, stopOnEntry: breakpointLine === undefined, workers: 4 }),
  ]);
  return stopped;
}

interface StepTimes {
  readonly times: number[];
  /** The adapter's CPU time per step. */
  readonly cpu: number[];
  /** Per step: the adapter's run-queue wait, the client's CPU and run-queue wait. */
  readonly queued: number[];
  readonly clientCpu: number[];
  readonly clientQueued: number[];
  readonly step: number;
  readonly tasks: number;
}

/** 300 measured steps of main in `source` (next, next, stepIn; or only next), after 20 to warm up. */
async function measureSteps(adapter: string, dir: string, name: string, source: string, onlyNext = false): Promise<StepTimes> {
  const path = join(dir, name);
  writeFileSync(path, source);
  const dc = new DebugClient(process.execPath, adapter, 'aria');
  dc.defaultTimeout = 60_000;
  await dc.start();
  try {
    await launch(dc, path);
    const times: number[] = [];
    const cpu: number[] = [];
    const queued: number[] = [];
    const clientCpu: number[] = [];
    const clientQueued: number[] = [];
    // warm-up, then measured steps: next and stepIn on main, which shares four workers with eight busy tasks
    for (let i = 0; i < 20; i++) await timedStop(dc, () => dc.nextRequest({ threadId: 1 }));
    for (let i = 0; i < 300; i++) {
      const kind = i % 3 === 2 && !onlyNext ? 'stepIn' : 'next';
      const t = await timedStop(dc, () => (kind === 'next' ? dc.nextRequest({ threadId: 1 }) : dc.stepInRequest({ threadId: 1 })));
      if (t.stop.body.threadId !== 1) throw new Error(`a step stopped in task #${t.stop.body.threadId}`);
      times.push(t.ms);
      cpu.push(t.cpuMs);
      queued.push(t.queuedMs);
      clientCpu.push(t.clientCpuMs);
      clientQueued.push(t.clientQueuedMs);
    }
    const state = (await dc.customRequest('aria/runtimeState')).body as { step: number; tasks: unknown[] };
    return { times, cpu, queued, clientCpu, clientQueued, step: state.step, tasks: state.tasks.length };
  } finally {
    await dc.stop();
  }
}

async function stepLatency(adapter: string, dir: string): Promise<boolean> {
  const { times, step, tasks } = await measureSteps(adapter, dir, 'stepping.aria', STEPPING_PROGRAM);
  const med = median(times);
  const ok = med < 20;
  console.log(`step latency over DAP (request -> stopped), 300 steps of main with 8 busy tasks (run at step ${step}, ${tasks} tasks):`);
  console.log(`  median ${med.toFixed(2)} ms, p90 ${pct(times, 0.9).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (target median < 20 ms: ${ok ? 'met' : 'MISSED'})`);
  return ok;
}

interface BackTimes {
  readonly back: number[];
  readonly backCpu: number[];
  readonly reverseMs: number;
  readonly step: number;
  readonly runMs: number;
  /** Tasks the run had spawned at the breakpoint. */
  readonly tasks: number;
  /** The Runtime scope's `checkpoints` row at the breakpoint (count, estimated memory, budget). */
  readonly checkpoints: string;
  /** The adapter's resident memory at the breakpoint, MB. */
  readonly rssMb: number;
}

/** The adapter's resident set (VmRSS from /proc), MB; NaN where it cannot be read. */
function adapterRssMb(dc: DebugClient): number {
  const pid = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The Runtime scope's `checkpoints` row, as the Variables view shows it. */
async function checkpointRow(dc: DebugClient, threadId: number): Promise<string> {
  const frames = await dc.stackTraceRequest({ threadId });
  const scopes = await dc.scopesRequest({ frameId: frames.body.stackFrames[0]!.id });
  const runtime = scopes.body.scopes.find(sc => sc.name === 'Runtime');
  if (!runtime) return '?';
  const rows = await dc.variablesRequest({ variablesReference: runtime.variablesReference });
  return rows.body.variables.find(v => v.name === 'checkpoints')?.value ?? '?';
}

/** Runs `source` to a breakpoint on its last line, then steps back six times and reverse-continues to the start. */
async function measureStepBack(adapter: string, dir: string, name: string, source: string): Promise<BackTimes> {
  const path = join(dir, name);
  writeFileSync(path, source);
  const lastLine = source.trimEnd().split('\n').length;
  const dc = new DebugClient(process.execPath, adapter, 'aria');
  dc.defaultTimeout = 120_000;
  await dc.start();
  try {
    const t0 = performance.now();
    const stop = await launch(dc, path, lastLine);
    const runMs = performance.now() - t0;
    const state = (await dc.customRequest('aria/runtimeState')).body as { step: number; tasks: unknown[] };
    const checkpoints = await checkpointRow(dc, stop.body.threadId!);
    const rssMb = adapterRssMb(dc);
    const back: number[] = [];
    const backCpu: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { ms, cpuMs } = await timedStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId! }));
      back.push(ms);
      backCpu.push(cpuMs);
    }
    const { ms: reverseMs } = await timedStop(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    return { back, backCpu, reverseMs, step: state.step, runMs, tasks: state.tasks.length, checkpoints, rssMb };
  } finally {
    await dc.stop();
  }
}

async function stepBackLatency(adapter: string, dir: string): Promise<boolean> {
  const { back, reverseMs, step, runMs } = await measureStepBack(adapter, dir, 'long.aria', LONG_PROGRAM);
  console.log(`\nrun to a breakpoint after ${step.toLocaleString('en')} steps: ${(runMs / 1000).toFixed(2)} s including launch (${Math.round(step / (runMs / 1000)).toLocaleString('en')} steps/s)`);
  const worst = Math.max(...back);
  const ok = worst < 200;
  console.log(`stepBack x6 at step ~${step.toLocaleString('en')}: median ${median(back).toFixed(1)} ms, max ${worst.toFixed(1)} ms (target < 200 ms: ${ok ? 'met' : 'MISSED'})`);
  console.log(`reverseContinue to the start from there (no earlier breakpoint): ${reverseMs.toFixed(1)} ms`);
  return ok;
}

/**
 * The cost of time travel must follow what changed, not what is alive: `next` (p95) and stepBack at about a million
 * steps with 0, 10,000 and 100,000 live structs.
 */
async function heapSizes(adapter: string, dir: string): Promise<boolean> {
  const load = () => loadavg()[0]!.toFixed(1);
  console.log(`\ntime travel with live objects in the heap (one list of structs, alive throughout; load average ${load()}):`);
  let ok = true;
  const medians: number[] = [];
  const cpuMedians: number[] = [];
  for (const size of SIZES) {
    const steps = await measureSteps(adapter, dir, `stepping-${size}.aria`, steppingWithHeap(size), true);
    const p95 = pct(steps.times, 0.95);
    const stepsOk = p95 < 5;
    const back = await measureStepBack(adapter, dir, `long-${size}.aria`, longWithHeap(size));
    const worst = Math.max(...back.back);
    const backOk = worst < 50;
    medians.push(median(back.back));
    cpuMedians.push(median(back.backCpu));
    ok &&= stepsOk && backOk;
    const label = `${size.toLocaleString('en')} objects`.padEnd(16);
    console.log(`  ${label} next p95 ${p95.toFixed(2)} ms (median ${median(steps.times).toFixed(2)}, max ${Math.max(...steps.times).toFixed(1)}; adapter cpu p95 ${pct(steps.cpu, 0.95).toFixed(2)}) target < 5 ms: ${stepsOk ? 'met' : 'MISSED'}`);
    console.log(`  ${''.padEnd(16)} stepBack at step ${back.step.toLocaleString('en')}: median ${median(back.back).toFixed(1)} ms, max ${worst.toFixed(1)} ms (adapter cpu median ${median(back.backCpu).toFixed(1)}, max ${Math.max(...back.backCpu).toFixed(1)}) target < 50 ms: ${backOk ? 'met' : 'MISSED'}; reverseContinue ${back.reverseMs.toFixed(1)} ms`);
  }
  const ratio = medians[medians.length - 1]! / Math.max(medians[0]!, 0.001);
  const ratioOk = ratio <= 1.5;
  const cpuRatio = cpuMedians[cpuMedians.length - 1]! / Math.max(cpuMedians[0]!, 0.001);
  console.log(`  stepBack median with ${SIZES[SIZES.length - 1]!.toLocaleString('en')} objects / with none: ${ratio.toFixed(2)} (adapter cpu ${cpuRatio.toFixed(2)}) (target <= 1.5: ${ratioOk ? 'met' : 'MISSED'})`);
  return ok && ratioOk;
}

/**
 * stepBack must not cost more because the run spawned many tasks (finished tasks are shared by the checkpoints) or
 * holds many objects: six stepBacks at about a million steps after 0, 1,000 and 5,000 tasks, and with 0, 10,000 and
 * 100,000 live structs (`ARIA_BENCH_DAP=back`). With `ARIA_BENCH_BASE` (another worktree), its adapter is measured too,
 * each run of it right after the same run of this one, and the ratios printed.
 */
async function stepBackCases(adapters: readonly Adapter[], dir: string): Promise<boolean> {
  const load = () => loadavg()[0]!.toFixed(1);
  const groups = [
    { title: 'tasks spawned, all ended by the breakpoint', cases: TASK_COUNTS.map(n => ({ label: `${n.toLocaleString('en')} tasks`, source: manyTasks(n) })) },
    { title: 'live structs in one list', cases: SIZES.map(n => ({ label: `${n.toLocaleString('en')} objects`, source: longWithHeap(n) })) },
  ];
  let ok = true;
  for (const group of groups) {
    console.log(`\nstepBack at about 1,000,000 steps, by ${group.title} (load average ${load()}):`);
    const medians = adapters.map(() => [] as number[]);
    for (const [k, c] of group.cases.entries()) {
      const results: BackTimes[] = [];
      for (const [i, a] of adapters.entries()) {
        const back = await measureStepBack(a.path, dir, `back-${k}-${i}.aria`, c.source);
        results.push(back);
        medians[i]!.push(median(back.back));
        const worst = Math.max(...back.back);
        const backOk = worst < 50;
        if (i === 0) ok &&= backOk;
        const label = `${a.name}, ${c.label}`.padEnd(22);
        console.log(`  ${label} stepBack at step ${back.step.toLocaleString('en')} (${back.tasks.toLocaleString('en')} tasks): median ${median(back.back).toFixed(1)} ms, max ${worst.toFixed(1)} ms (adapter cpu median ${median(back.backCpu).toFixed(1)}, max ${Math.max(...back.backCpu).toFixed(1)}) target < 50 ms: ${backOk ? 'met' : 'MISSED'}; reverseContinue ${back.reverseMs.toFixed(1)} ms`);
        console.log(`  ${''.padEnd(22)} checkpoints ${back.checkpoints} (${perMillion(back)} per 1M steps), adapter RSS ${back.rssMb.toFixed(0)} MB, run ${(back.runMs / 1000).toFixed(2)} s; load ${load()}`);
      }
      if (results.length === 2) {
        const [now, base] = results as [BackTimes, BackTimes];
        console.log(`  ${''.padEnd(22)} ${adapters[0]!.name} / ${adapters[1]!.name}: stepBack median ${(median(now.back) / median(base.back)).toFixed(2)}, adapter cpu median ${(median(now.backCpu) / Math.max(0.001, median(base.backCpu))).toFixed(2)}`);
      }
    }
    for (const [i, a] of adapters.entries()) {
      const m = medians[i]!;
      const ratio = m[m.length - 1]! / Math.max(m[0]!, 0.001);
      if (i === 0) ok &&= ratio <= 1.5;
      console.log(`  ${a.name}: stepBack median, ${group.cases[group.cases.length - 1]!.label} / ${group.cases[0]!.label}: ${ratio.toFixed(2)} (target <= 1.5: ${ratio <= 1.5 ? 'met' : 'MISSED'})`);
    }
  }
  return ok;
}

/** The checkpoint memory estimate of a `checkpoints` row per 1,000,000 steps of the run. */
function perMillion(b: BackTimes): string {
  const m = /≈ ([\d.]+) MB/.exec(b.checkpoints);
  return m ? `${(Number(m[1]) / (b.step / 1e6)).toFixed(1)} MB` : '?';
}

interface Adapter {
  readonly name: string;
  readonly path: string;
}

/**
 * Where a `next`'s wall time goes (`ARIA_BENCH_DAP=next`): the adapter's CPU, its wait in the run queue, the client's
 * CPU and its wait, and what is left (both idle: pipes, timers, the event loop between them). Medians and p95 over the
 * 300 nexts of the empty-heap program.
 */
async function nextBreakdown(adapter: string, dir: string): Promise<boolean> {
  const s = await measureSteps(adapter, dir, 'stepping-0.aria', steppingWithHeap(0), true);
  const rest = s.times.map((t, i) => t - s.cpu[i]! - s.queued[i]! - s.clientCpu[i]! - s.clientQueued[i]!);
  const row = (name: string, xs: number[]) => console.log(`  ${name.padEnd(34)} median ${median(xs).toFixed(2)} ms, p95 ${pct(xs, 0.95).toFixed(2)} ms`);
  console.log(`where a next's wall time goes (300 nexts, no live objects; load average ${loadavg()[0]!.toFixed(1)}):`);
  row('wall, request -> stopped', s.times);
  row('adapter CPU (main thread)', s.cpu);
  row('adapter waiting for a CPU', s.queued);
  row('client CPU (this process)', s.clientCpu);
  row('client waiting for a CPU', s.clientQueued);
  row('neither (idle: pipes, event loops)', rest);
  return pct(s.times, 0.95) < 5;
}

const dir = mkdtempSync(join(tmpdir(), 'aria-bench-dap-'));
try {
  await run(process.execPath, ['scripts/build.mjs', '--outdir', dir, '--only', 'debug', '--no-sourcemap', '--quiet'], { cwd: repoRoot });
  const adapter = join(dir, 'debug.js');
  const adapters: Adapter[] = [{ name: 'this', path: adapter }];
  // ARIA_BENCH_BASE=<another worktree>: its adapter is measured side by side (the stepBack cases)
  const base = process.env.ARIA_BENCH_BASE;
  if (base) {
    const baseDir = join(dir, 'base');
    await run(process.execPath, ['scripts/build.mjs', '--outdir', baseDir, '--only', 'debug', '--no-sourcemap', '--quiet'], { cwd: resolve(base) });
    adapters.push({ name: 'base', path: join(baseDir, 'debug.js') });
  }
  const only = process.env.ARIA_BENCH_DAP;
  const results = only === 'heap'
    ? [await heapSizes(adapter, dir)]
    : only === 'next'
      ? [await nextBreakdown(adapter, dir)]
    : only === 'back'
      ? [await stepBackCases(adapters, dir)]
    : [await stepLatency(adapter, dir), await stepBackLatency(adapter, dir), await heapSizes(adapter, dir), await stepBackCases(adapters, dir)];
  if (results.includes(false)) console.log('\nsome targets were missed (see above)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
