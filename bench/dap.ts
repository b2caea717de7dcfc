// Benchmarks the debug adapter over DAP (the bundled dist/debug.js on stdio): step latency, and stepBack within a 1,000,000-step run.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

async function timedStop(dc: DebugClient, request: () => Promise<unknown>): Promise<{ ms: number; stop: DebugProtocol.StoppedEvent }> {
  const stopped = dc.waitForEvent('stopped', 60_000) as Promise<DebugProtocol.StoppedEvent>;
  const t0 = performance.now();
  await request();
  const stop = await stopped;
  return { ms: performance.now() - t0, stop };
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

async function stepLatency(adapter: string, dir: string): Promise<boolean> {
  const path = join(dir, 'stepping.aria');
  writeFileSync(path, STEPPING_PROGRAM);
  const dc = new DebugClient(process.execPath, adapter, 'aria');
  dc.defaultTimeout = 60_000;
  await dc.start();
  try {
    await launch(dc, path);
    const times: number[] = [];
    // warm-up, then measured steps: next and stepIn on main, which shares four workers with eight busy tasks
    for (let i = 0; i < 20; i++) await timedStop(dc, () => dc.nextRequest({ threadId: 1 }));
    for (let i = 0; i < 300; i++) {
      const kind = i % 3 === 2 ? 'stepIn' : 'next';
      const { ms, stop } = await timedStop(dc, () => (kind === 'next' ? dc.nextRequest({ threadId: 1 }) : dc.stepInRequest({ threadId: 1 })));
      if (stop.body.threadId !== 1) throw new Error(`a step stopped in task #${stop.body.threadId}`);
      times.push(ms);
    }
    const state = (await dc.customRequest('aria/runtimeState')).body as { step: number; tasks: unknown[] };
    const med = median(times);
    const ok = med < 20;
    console.log(`step latency over DAP (request -> stopped), 300 steps of main with 8 busy tasks (run at step ${state.step}, ${state.tasks.length} tasks):`);
    console.log(`  median ${med.toFixed(2)} ms, p90 ${pct(times, 0.9).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (target median < 20 ms: ${ok ? 'met' : 'MISSED'})`);
    return ok;
  } finally {
    await dc.stop();
  }
}

async function stepBackLatency(adapter: string, dir: string): Promise<boolean> {
  const path = join(dir, 'long.aria');
  writeFileSync(path, LONG_PROGRAM);
  const lastLine = LONG_PROGRAM.trimEnd().split('\n').length;
  const dc = new DebugClient(process.execPath, adapter, 'aria');
  dc.defaultTimeout = 120_000;
  await dc.start();
  try {
    const t0 = performance.now();
    const stop = await launch(dc, path, lastLine);
    const runMs = performance.now() - t0;
    const state = (await dc.customRequest('aria/runtimeState')).body as { step: number };
    console.log(`\nrun to a breakpoint after ${state.step.toLocaleString('en')} steps: ${(runMs / 1000).toFixed(2)} s including launch (${Math.round(state.step / (runMs / 1000)).toLocaleString('en')} steps/s)`);
    const back: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { ms } = await timedStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId! }));
      back.push(ms);
    }
    const after = (await dc.customRequest('aria/runtimeState')).body as { step: number };
    const { ms: reverseMs } = await timedStop(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    const worst = Math.max(...back);
    const ok = worst < 200;
    console.log(`stepBack x6 at step ~${after.step.toLocaleString('en')}: median ${median(back).toFixed(1)} ms, max ${worst.toFixed(1)} ms (target < 200 ms: ${ok ? 'met' : 'MISSED'})`);
    console.log(`reverseContinue to the start from there (no earlier breakpoint): ${reverseMs.toFixed(1)} ms`);
    return ok;
  } finally {
    await dc.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'aria-bench-dap-'));
try {
  await run(process.execPath, ['scripts/build.mjs', '--outdir', dir, '--only', 'debug', '--no-sourcemap', '--quiet'], { cwd: repoRoot });
  const adapter = join(dir, 'debug.js');
  const results = [await stepLatency(adapter, dir), await stepBackLatency(adapter, dir)];
  if (results.includes(false)) console.log('\nsome targets were missed (see above)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
