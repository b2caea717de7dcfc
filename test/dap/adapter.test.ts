// The debug adapter through @vscode/debugadapter-testsupport's DebugClient, against `aria dap` (the bundled CLI) on stdio.
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describe, expect, it } from 'vitest';
import type { RuntimeStateBody, TimelineBody } from '../../debug/protocol.js';
import {
  useAdapter, collectOutput, frames, launchToStop, lineOf, locals, program, resumeToStop, scopeVariables, topFrame,
} from './harness.js';

const { client } = useAdapter();

async function expectError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the request succeeded but should have failed');
}

describe('launch', () => {
  it('stops on entry at the first statement, with the main task as the only thread', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('calls.aria'), stopOnEntry: true });
    expect(stop.body.reason).toBe('entry');
    expect(stop.body.threadId!).toBe(1);
    const top = await topFrame(c, 1);
    expect(top.line).toBe(lineOf('calls.aria', 'main-first'));
    expect(top.source?.path).toBe(program('calls.aria'));
    const threads = await c.threadsRequest();
    expect(threads.body.threads).toEqual([{ id: 1, name: '#1 main' }]);
  });

  it('refuses a program that does not parse, naming the position', async () => {
    const c = await client();
    const message = await expectError(c.launch({ program: program('broken.aria') }));
    expect(message).toMatch(/broken\.aria does not parse/);
    expect(message).toMatch(/broken\.aria:3:\d+: /);
  });

  it('refuses a program that fails the effect check', async () => {
    const c = await client();
    const message = await expectError(c.launch({ program: program('unhandled-cancel.aria') }));
    expect(message).toMatch(/fails the effect check/);
    expect(message).toMatch(/Cancel/);
  });

  it('refuses bad launch attributes and a missing file', async () => {
    const c = await client();
    expect(await expectError(c.launch({}))).toMatch(/needs "program"/);
    expect(await expectError(c.launchRequest({ program: program('calls.aria'), workers: 0 } as DebugProtocol.LaunchRequestArguments))).toMatch(/"workers"/);
    expect(await expectError(c.launchRequest({ program: program('calls.aria'), flavor: 'turbo' } as DebugProtocol.LaunchRequestArguments))).toMatch(/"flavor"/);
    expect(await expectError(c.launchRequest({ program: program('nope.aria') } as DebugProtocol.LaunchRequestArguments))).toMatch(/cannot read the program/);
  });
});

describe('breakpoints', () => {
  it('stops in two tasks at a breakpoint in the function they both run', async () => {
    const c = await client();
    const line = lineOf('two-tasks.aria', 'worker-start');
    const first = await launchToStop(c, { program: program('two-tasks.aria') }, { breakpoints: { 'two-tasks.aria': [line] } });
    expect(first.body.reason).toBe('breakpoint');
    expect(first.body.hitBreakpointIds).toHaveLength(1);
    expect(first.body.threadId).toBe(2); // worker "a" sleeps 10 ms, "b" 20 ms
    expect((await topFrame(c, 2)).line).toBe(line);
    expect((await locals(c, 2))['name']).toBe('"a"');
    const second = await resumeToStop(c, () => c.continueRequest({ threadId: 2 }));
    expect(second.body.threadId).toBe(3);
    expect((await topFrame(c, 3)).line).toBe(line);
    expect((await locals(c, 3))['name']).toBe('"b"');
  });

  it('moves a breakpoint on a comment or blank line to the next statement, and refuses one past the last', async () => {
    const c = await client();
    await launchToStop(c, { program: program('calls.aria'), stopOnEntry: true });
    const res = await c.setBreakpointsRequest({ source: { path: program('calls.aria') }, breakpoints: [{ line: 1 }, { line: 7 }, { line: 500 }] });
    const [a, b, far] = res.body.breakpoints;
    expect(a).toMatchObject({ verified: true, line: lineOf('calls.aria', 'square-body') });
    expect(b).toMatchObject({ verified: true, line: lineOf('calls.aria', 'norm-first') });
    expect(far!.verified).toBe(false);
    expect(far!.message).toMatch(/no statement/);
    const locations = await c.customRequest('breakpointLocations', { source: { path: program('calls.aria') }, line: 1, endLine: 8 });
    expect((locations.body as DebugProtocol.BreakpointLocationsResponse['body']).breakpoints.map(b => b.line)).toEqual([5, 6]);
  });

  it('honours conditions and hit counts', async () => {
    const c = await client();
    const loop = lineOf('two-tasks.aria', 'worker-loop');
    const stop = await launchToStop(c, { program: program('two-tasks.aria') }, {
      breakpoints: { 'two-tasks.aria': [{ line: loop, condition: 'i == 2' }] },
    });
    expect(stop.body.threadId!).toBe(2);
    expect(await locals(c, 2)).toMatchObject({ i: '2', total: '1' });
    const next = await resumeToStop(c, () => c.continueRequest({ threadId: 2 }));
    expect(next.body.threadId).toBe(3);
    expect(await locals(c, 3)).toMatchObject({ i: '2', total: '1' });

    const d = await client();
    const hit = await launchToStop(d, { program: program('two-tasks.aria') }, {
      breakpoints: { 'two-tasks.aria': [{ line: loop, hitCondition: '>= 3' }] },
    });
    expect(hit.body.threadId).toBe(2);
    expect((await locals(d, 2))['i']).toBe('2'); // the third pass through the loop of worker a
  });

  it('logs a logpoint message with interpolated values and does not stop', async () => {
    const c = await client();
    const out = collectOutput(c, 'console');
    const loop = lineOf('two-tasks.aria', 'worker-loop');
    const terminated = c.waitForEvent('terminated');
    await Promise.all([
      c.waitForEvent('initialized').then(async () => {
        await c.setBreakpointsRequest({ source: { path: program('two-tasks.aria') }, breakpoints: [{ line: loop, logMessage: '{name}: i={i} total={total}' }] });
        await c.configurationDoneRequest();
      }),
      c.launch({ program: program('two-tasks.aria') }),
    ]);
    await terminated;
    const lines = out.text().split('\n').filter(l => l.includes('i='));
    expect(lines).toEqual(['a: i=0 total=0', 'a: i=1 total=0', 'a: i=2 total=1', 'b: i=0 total=0', 'b: i=1 total=0', 'b: i=2 total=1']);
  });

  it('stops at a function breakpoint', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('calls.aria') }, { functionBreakpoints: ['square'] });
    expect(stop.body.reason).toBe('function breakpoint');
    expect(await frames(c, stop.body.threadId!)).toEqual([
      `square:${lineOf('calls.aria', 'square-body')}`,
      `norm:${lineOf('calls.aria', 'norm-first')}`,
      `<main>:${lineOf('calls.aria', 'main-call')}`,
    ]);
    const res = await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'nosuch' }] });
    expect(res.body.breakpoints[0]!.verified).toBe(false);
  });
});

describe('stepping', () => {
  it('steps in, out and over through nested calls', async () => {
    const c = await client();
    const line = (m: string) => lineOf('calls.aria', m);
    await launchToStop(c, { program: program('calls.aria') }, { breakpoints: { 'calls.aria': [line('main-call')] } });
    const at = async () => (await topFrame(c, 1)).line;
    const step = async (kind: 'stepIn' | 'stepOut' | 'next') => {
      const s = await resumeToStop(c, () => (kind === 'stepIn' ? c.stepInRequest({ threadId: 1 }) : kind === 'stepOut' ? c.stepOutRequest({ threadId: 1 }) : c.nextRequest({ threadId: 1 })));
      expect(s.body.reason).toBe('step');
      expect(s.body.threadId).toBe(1);
      return at();
    };
    expect(await step('stepIn')).toBe(line('norm-first'));
    expect(await step('stepIn')).toBe(line('square-body'));
    expect(await locals(c, 1)).toEqual({ n: '3' });
    expect(await step('stepOut')).toBe(line('norm-first') + 1);
    expect((await locals(c, 1))['a']).toBe('9');
    expect(await step('next')).toBe(line('norm-sum'));
    expect(await locals(c, 1)).toMatchObject({ a: '9', b: '16' });
    expect(await step('next')).toBe(line('main-print'));
    expect((await locals(c, 1))['total']).toBe('25');
  });

  it('steps one task while another sleeps on a timer', async () => {
    const c = await client();
    const start = lineOf('two-tasks.aria', 'worker-start');
    await launchToStop(c, { program: program('two-tasks.aria') }, { breakpoints: { 'two-tasks.aria': [start] } });
    await c.setBreakpointsRequest({ source: { path: program('two-tasks.aria') }, breakpoints: [] });
    const lines: number[] = [];
    const print = lineOf('two-tasks.aria', 'worker-print');
    while (lines.length < 12 && lines[lines.length - 1] !== print) {
      const s = await resumeToStop(c, () => c.nextRequest({ threadId: 2 }));
      expect(s.body.threadId).toBe(2);
      lines.push((await topFrame(c, 2)).line);
    }
    const loop = lineOf('two-tasks.aria', 'worker-loop');
    // the `for` header is a statement of each iteration, as in most debuggers
    expect(lines).toEqual([loop - 1, loop, loop - 1, loop, loop - 1, loop, loop - 1, print]);
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    const sleeper = state.tasks.find(t => t.name === 'sleeper')!;
    expect(sleeper.state).toBe('blocked');
    // sleep(500.ms) set a few µs after 0 ms: its deadline rounds up to 501 ms (a sleep never ends early, as in Tokio)
    expect(sleeper.waitsOn).toMatch(/^sleep until 501/);
    expect(state.clockMs).toBeLessThan(500);
    expect(state.timers.some(t => t.owner === sleeper.id && t.purpose === 'sleep' && t.deadlineMs === 501)).toBe(true);
  });

  it('stops at the first statement of each new task with stopOnSpawn', async () => {
    const c = await client();
    const firstLine: Record<number, number> = {
      2: lineOf('two-tasks.aria', 'worker-start') - 1, 3: lineOf('two-tasks.aria', 'worker-start') - 1, 4: lineOf('two-tasks.aria', 'sleeper-sleep'),
    };
    let stop = await launchToStop(c, { program: program('two-tasks.aria'), stopOnSpawn: true });
    const seen: number[] = [];
    for (;;) {
      const task = stop.body.threadId!;
      expect(stop.body).toMatchObject({ reason: 'entry', description: `Task #${task} started` });
      expect((await topFrame(c, task)).line).toBe(firstLine[task]);
      seen.push(task);
      if (seen.length === 3) break;
      stop = await resumeToStop(c, () => c.continueRequest({ threadId: task }));
    }
    // main runs on its block_on thread, off the workers: its spawns go to the injection queue and run in spawn order
    expect(seen).toEqual([2, 3, 4]);
  });

  /** Stops in a counting task of hold.aria, steps it with `next` six times, and returns the other counter's rows before and after. */
  async function stepOneCounter(c: DebugClient, otherTasks: 'hold' | 'run') {
    const stop = await launchToStop(c, { program: program('hold.aria'), otherTasks }, { breakpoints: { 'hold.aria': [lineOf('hold.aria', 'count-step')] } });
    await c.setBreakpointsRequest({ source: { path: program('hold.aria') }, breakpoints: [] });
    const task = stop.body.threadId!;
    // A held task's idle time grows with the clock: where it stands is the rest of its row.
    const state = async () => ((await c.customRequest('aria/runtimeState')).body as RuntimeStateBody).tasks
      .filter(t => t.name === 'count' && t.id !== task).map(({ metrics: _, ...row }) => row);
    const before = { rows: await state(), stacks: await Promise.all((await state()).map(t => frames(c, t.id))) };
    for (let i = 0; i < 6; i++) {
      const s = await resumeToStop(c, () => c.nextRequest({ threadId: task }));
      expect(s.body).toMatchObject({ reason: 'step', threadId: task });
    }
    const after = { rows: await state(), stacks: await Promise.all((await state()).map(t => frames(c, t.id))) };
    return { task, before, after };
  }

  it('with otherTasks "hold", stepping one task leaves another runnable task where it was', async () => {
    const held = await stepOneCounter(await client(), 'hold');
    expect(held.before.rows).toHaveLength(1);
    expect(held.after).toEqual(held.before);
    // without hold the other counter runs on meanwhile
    const free = await stepOneCounter(await client(), 'run');
    expect(free.after.rows[0]!.steps).toBeGreaterThan(free.before.rows[0]!.steps);
  });

  it('stops a held step that cannot go on alone, saying what the task waits on', async () => {
    const c = await client();
    const consoleOut = collectOutput(c, 'console');
    await launchToStop(c, { program: program('hold.aria'), otherTasks: 'hold' }, { breakpoints: { 'hold.aria': [lineOf('hold.aria', 'main-await')] } });
    const s = await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
    expect(s.body).toMatchObject({ reason: 'step', threadId: 1 });
    expect(consoleOut.text()).toMatch(/task #1 \(main\) cannot go on while the other tasks are held: it waits on task #2/);
    expect(consoleOut.text()).not.toMatch(/not available/);
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    expect(state.tasks.find(t => t.id === 1)!.state).toBe('blocked');
    expect(state.tasks.filter(t => t.name === 'count').every(t => t.steps === 0)).toBe(true);
    // continue runs everything: the program ends
    const ended = c.waitForEvent('terminated');
    await c.continueRequest({ threadId: 1 });
    await ended;
  });

  it('pauses an endless loop', async () => {
    const c = await client();
    const paused = c.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    // The program prints once it has gone round 5,000 times: pause after that, not after some wall-clock time.
    const spinning = new Promise<void>(done => c.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.output.includes('spinning')) done(); }));
    await Promise.all([c.configurationSequence(), c.launch({ program: program('spin.aria') })]);
    await spinning;
    await c.pauseRequest({ threadId: 1 });
    const stop = await paused;
    expect(stop.body.reason).toBe('pause');
    const top = await topFrame(c, 1);
    expect(['loop', 'spin', 'check'].map(m => lineOf('spin.aria', m))).toContain(top.line);
    const n = await c.evaluateRequest({ expression: 'n >= 5000', frameId: top.id, context: 'watch' });
    expect(n.body.result).toBe('true');
  });
});

describe('inspection', () => {
  it('shows structured locals lazily and evaluates expressions in a frame', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('calls.aria') }, { breakpoints: { 'calls.aria': [lineOf('calls.aria', 'norm-sum')] } });
    const top = await topFrame(c, stop.body.threadId!);
    const scopes = await c.scopesRequest({ frameId: top.id });
    expect(scopes.body.scopes.map(s => s.name)).toEqual(['Locals', 'Task', 'Runtime']);
    const vars = await c.variablesRequest({ variablesReference: scopes.body.scopes[0]!.variablesReference });
    const p = vars.body.variables.find(v => v.name === 'p')!;
    expect(p.value).toBe('Point(3, 4)');
    expect(p.variablesReference).toBeGreaterThan(0);
    const fields = await c.variablesRequest({ variablesReference: p.variablesReference });
    expect(fields.body.variables.map(v => `${v.name}=${v.value}`)).toEqual(['x=3', 'y=4']);
    const evaluate = async (expression: string, frameId = top.id) => (await c.evaluateRequest({ expression, frameId, context: 'hover' })).body.result;
    expect(await evaluate('a + b')).toBe('25');
    expect(await evaluate('p.x * 10 + len("abc")')).toBe('33');
    expect(await evaluate('"sum #{a + b}"')).toBe('"sum 25"');
    expect(await evaluate('[Some(a + b), None, Ok(p.x)]')).toBe('[Some(25), None, Ok(3)]');
    expect(await evaluate('Some(a) == Some(a) and None == None and Some(1) != None')).toBe('true');
    expect(await expectError(c.evaluateRequest({ expression: 'Some(1, 2)', frameId: top.id, context: 'watch' }))).toMatch(/takes 1 argument, got 2/);
    const mainFrame = (await c.stackTraceRequest({ threadId: 1 })).body.stackFrames[1]!;
    expect(await evaluate('xs[2]', mainFrame.id)).toBe('3');
    const xs = await c.evaluateRequest({ expression: 'xs', frameId: mainFrame.id, context: 'watch' });
    expect(xs.body).toMatchObject({ result: '[1, 2, 3]', indexedVariables: 3 });
    // This client did not say `supportsVariableType`: DAP then sends no type.
    expect(xs.body.type).toBeUndefined();
    expect(vars.body.variables.every(v => v.type === undefined)).toBe(true);
    const page = await c.variablesRequest({ variablesReference: xs.body.variablesReference, filter: 'indexed', start: 1, count: 2 });
    expect(page.body.variables.map(v => `${v.name}=${v.value}`)).toEqual(['[1]=2', '[2]=3']);
    expect(await expectError(c.evaluateRequest({ expression: 'nosuch + 1', frameId: top.id, context: 'watch' }))).toMatch(/no variable named nosuch/);
    expect(await expectError(c.evaluateRequest({ expression: 'print(1)', frameId: top.id, context: 'repl' }))).toMatch(/side effects/);
    // what the program can evaluate without side effects: built-in constants (CPU.count) and the clock (now())
    expect(await evaluate('CPU.count + 1')).toBe('5');
    expect(await evaluate('now()')).toBe('0');
    expect(await expectError(c.evaluateRequest({ expression: 'CPU.cores', frameId: top.id, context: 'repl' }))).toMatch(/no variable named CPU/);
    const task = await scopeVariables(c, top.id, 'Task');
    expect(task).toMatchObject({ id: '1', name: 'main', state: 'running', parent: 'none', cancellation: 'not requested' });
    const runtime = await scopeVariables(c, top.id, 'Runtime');
    expect(runtime['workers']).toBe('4');
    expect(runtime['seed']).toBe('1');
  });

  it('matches the task tree, workers and timers of the program at a stop', async () => {
    const c = await client();
    const changed = c.waitForEvent('aria/runtimeChanged');
    await launchToStop(c, { program: program('scopes.aria'), workers: 2 }, { breakpoints: { 'scopes.aria': [lineOf('scopes.aria', 'checkpoint')] } });
    expect((await changed).body).toMatchObject({ reason: 'breakpoint', focusTask: 1, liveTasks: 5, running: true });
    const threads = await c.threadsRequest();
    expect(threads.body.threads.map(t => t.name)).toEqual(['#1 main', '#2 parent', '#3 child', '#4 child', '#5 child']);
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    // a 50 ms sleep set a few µs in: its deadline rounds up to 51 ms
    expect(state.clockMs).toBeGreaterThanOrEqual(51);
    expect(state.clockMs).toBeLessThan(52);
    const tasks = Object.fromEntries(state.tasks.map(t => [t.id, t]));
    expect(tasks[1]).toMatchObject({ name: 'main', parent: 0, state: 'running' });
    expect(tasks[2]).toMatchObject({ name: 'parent', parent: 1, scope: -1, state: 'blocked', waitsOnTasks: [4] });
    expect(tasks[3]).toMatchObject({ name: 'child', parent: 1, scope: -1, state: 'blocked' });
    expect(tasks[4]).toMatchObject({ parent: 2, state: 'blocked' });
    expect(tasks[5]).toMatchObject({ parent: 2, state: 'blocked', scope: tasks[4]!.scope });
    expect(tasks[4]!.scope).toBeGreaterThanOrEqual(0);
    expect(tasks[3]!.waitsOn).toMatch(/^sleep until 301/);
    // the Debug Console reads the clock as the program's now() does
    const mainTop = (await c.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
    expect((await c.evaluateRequest({ expression: 'now() - 51', frameId: mainTop.id, context: 'repl' })).body.result).toBe('0');
    expect(state.timers.map(t => [t.owner, t.deadlineMs, t.purpose]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual([
      [4, 101, 'sleep'], [5, 201, 'sleep'], [3, 301, 'sleep'],
    ]);
    for (const t of state.timers) expect(t.level).toBeGreaterThanOrEqual(0);
    expect(state.workers).toHaveLength(2);
    expect(state.workers.filter(w => w.current === 1)).toHaveLength(0); // main runs on the block_on thread, off the workers
    const timeline = (await c.customRequest('aria/timeline')).body as TimelineBody;
    expect(timeline.threads.map(t => [t.label, t.kind])).toEqual([['worker 0', 'worker'], ['worker 1', 'worker'], ['block_on', 'block-on']]);
    expect(timeline.polls.filter(p => p.task === 1).every(p => p.thread === 2)).toBe(true);
    expect(timeline.spawns.map(s => [s.parent, s.child])).toEqual([[1, 2], [1, 3], [2, 4], [2, 5]]);
    expect(new Set(timeline.polls.map(p => p.task))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(timeline.polls.filter(p => p.outcome === 'open').map(p => p.task)).toEqual([1]);
    // main's states: it ran, slept 50 ms, was woken, and runs at the stop; the children sleep
    const mainStates = timeline.transitions.filter(t => t.task === 1).map(t => t.state);
    expect(mainStates).toEqual(['ready', 'running', 'sleeping', 'ready', 'running']);
  });

  it('focuses a task on request with a stopped event for its thread', async () => {
    const c = await client();
    await launchToStop(c, { program: program('scopes.aria') }, { breakpoints: { 'scopes.aria': [lineOf('scopes.aria', 'checkpoint')] } });
    const focused = await resumeToStop(c, () => c.customRequest('aria/focusTask', { task: 4 }));
    expect(focused.body.threadId).toBe(4);
    expect(focused.body.preserveFocusHint).toBe(false);
    expect(await expectError(c.customRequest('aria/focusTask', { task: 99 }))).toMatch(/no task #99/);
  });
});

describe('static types', () => {
  const typed = (c: DebugClient, ...markers: string[]) =>
    launchToStop(c, { program: program('typed.aria') }, {
      breakpoints: { 'typed.aria': markers.map(m => lineOf('typed.aria', m)) },
      client: { supportsVariableType: true },
    });
  /** name -> type of the variables behind a reference. */
  const typesOf = async (c: DebugClient, ref: number): Promise<Record<string, string | undefined>> =>
    Object.fromEntries((await c.variablesRequest({ variablesReference: ref })).body.variables.map(v => [v.name, v.type]));
  const child = async (c: DebugClient, ref: number, name: string): Promise<DebugProtocol.Variable> => {
    const found = (await c.variablesRequest({ variablesReference: ref })).body.variables.find(v => v.name === name);
    if (!found) throw new Error(`no variable ${name}`);
    return found;
  };
  const localsRef = async (c: DebugClient, frameId: number): Promise<number> =>
    (await c.scopesRequest({ frameId })).body.scopes.find(s => s.name === 'Locals')!.variablesReference;

  it('types locals, fields, variants, elements and captures as the checker names them', async () => {
    const c = await client();
    const stop = await typed(c, 'main-print');
    const top = await topFrame(c, stop.body.threadId!);
    const locals = await localsRef(c, top.id);
    expect(await typesOf(c, locals)).toEqual({
      jobs: 'List[Job]', found: 'Option[Job]', boxes: 'List[Box[Int, String]]', shape: 'Shape', k: 'Int',
      add: '(Int) -> {} Int', results: 'List[Option[Job]]',
    });
    // A list of structs holding lambdas: each element is a Job, its fields as declared.
    const jobs = await child(c, locals, 'jobs');
    expect(await typesOf(c, jobs.variablesReference)).toEqual({ '[0]': 'Job', '[1]': 'Job' });
    const job = await child(c, jobs.variablesReference, '[1]');
    expect(await typesOf(c, job.variablesReference)).toEqual({ name: 'String', run: '(Int) -> {IO} Int' });
    // An Option's payload, and a generic struct's fields instantiated (the untyped `label` included).
    const found = await child(c, locals, 'found');
    expect(found.value).toMatch(/^Some\(Job\(/);
    expect(await typesOf(c, found.variablesReference)).toEqual({ value: 'Job' });
    const box = await child(c, (await child(c, locals, 'boxes')).variablesReference, '[0]');
    expect(await typesOf(c, box.variablesReference)).toEqual({ value: 'Int', label: 'String' });
    const shape = await child(c, locals, 'shape');
    expect(await typesOf(c, shape.variablesReference)).toEqual({ radius: 'Int' });
    const results = await child(c, locals, 'results');
    expect(await typesOf(c, results.variablesReference)).toEqual({ '[0]': 'Option[Job]', '[1]': 'Option[Job]' });
    // A closure's captured variables.
    const add = await child(c, locals, 'add');
    expect(await typesOf(c, add.variablesReference)).toEqual({ k: 'Int' });
    // Hovers and watches: the static type of names, fields and elements; nothing for what the checker did not type.
    const evaluate = async (expression: string) => (await c.evaluateRequest({ expression, frameId: top.id, context: 'hover' })).body;
    expect(await evaluate('jobs')).toMatchObject({ type: 'List[Job]', indexedVariables: 2 });
    expect(await evaluate('jobs[0].run')).toMatchObject({ type: '(Int) -> {IO} Int' });
    expect(await evaluate('boxes[1].label')).toMatchObject({ result: '"four"', type: 'String' });
    expect(await evaluate('found')).toMatchObject({ type: 'Option[Job]' });
    expect((await evaluate('k * 2')).type).toBeUndefined();
  });

  it('types a generic function\'s parameters and locals with its type parameters', async () => {
    const c = await client();
    const stop = await typed(c, 'first-some');
    const frames = (await c.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;
    expect(frames.map(f => f.name).slice(0, 2)).toEqual(['first', 'main']);
    const locals = await localsRef(c, frames[0]!.id);
    expect(await typesOf(c, locals)).toEqual({ xs: 'List[T]', head: 'T' });
    const xs = await child(c, locals, 'xs');
    expect(await typesOf(c, xs.variablesReference)).toEqual({ '[0]': 'T', '[1]': 'T' });
    // The caller's frame: its own bindings, the ones assigned so far.
    expect(await typesOf(c, await localsRef(c, frames[1]!.id))).toEqual({ jobs: 'List[Job]' });
    expect((await c.evaluateRequest({ expression: 'head', frameId: frames[0]!.id, context: 'hover' })).body.type).toBe('T');
  });
});

describe('exceptions', () => {
  it('stops where a task fails, with exceptionInfo, and again when the failure reaches main', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('failure.aria') }, { exceptionFilters: ['failure'] });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.threadId!).toBe(2);
    expect(await frames(c, 2)).toEqual([`boom:${lineOf('failure.aria', 'panic')}`]);
    const info = await c.exceptionInfoRequest({ threadId: 2 });
    expect(info.body).toMatchObject({ exceptionId: 'panic', description: 'too big: 5', breakMode: 'always' });
    expect(info.body.details?.stackTrace).toMatch(/at boom \(.*failure\.aria:\d+:\d+\)/);
    // The failed task's locals as they were when it failed (the task has ended: it kept its frames for this).
    expect(await locals(c, 2)).toEqual({ n: '5' });
    const again = await resumeToStop(c, () => c.continueRequest({ threadId: 2 }));
    expect(again.body.reason).toBe('exception');
    expect(again.body.threadId).toBe(1);
    expect(again.body.text).toMatch(/too big: 5/);
    // The awaiter failed at its `.await`, with its own locals.
    expect(await frames(c, 1)).toEqual([`<main>:${lineOf('failure.aria', 'await')}`]);
    expect(Object.keys(await locals(c, 1))).toEqual(['t']);
    const terminated = c.waitForEvent('terminated');
    const exited = c.waitForEvent('exited');
    await c.continueRequest({ threadId: 1 });
    expect((await exited).body.exitCode).toBe(1);
    await terminated;
  });

  it('stops on an uncaught failure by default, and the adapter keeps answering', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('failure.aria') });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.breakMode).toBe('unhandled');
    expect(info.body.details?.innerException?.[0]?.message).toBe('too big: 5');
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    expect(state.tasks.find(t => t.id === 2)).toMatchObject({ state: 'failed', failure: 'too big: 5' });
    expect((await c.threadsRequest()).body.threads.length).toBeGreaterThan(0);
    // The task that failed has ended, but it kept its frames: focusing it shows where it failed, with its locals.
    expect((await c.threadsRequest()).body.threads.map(t => t.id)).not.toContain(2);
    const focused = await resumeToStop(c, () => c.customRequest('aria/focusTask', { task: 2 }));
    expect(focused.body.threadId).toBe(2);
    expect((await c.threadsRequest()).body.threads.map(t => t.id)).toContain(2);
    expect(await frames(c, 2)).toEqual([`boom:${lineOf('failure.aria', 'panic')}`]);
    expect(await locals(c, 2)).toEqual({ n: '5' });
  });

  it('stops when a task is cancelled by a timeout, if asked', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('timeout.aria') }, { exceptionFilters: ['cancellation'] });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.exceptionId).toBe('cancelled');
    expect(info.body.description).toMatch(/cancel/);
    const out = collectOutput(c);
    const terminated = c.waitForEvent('terminated');
    await c.continueRequest({ threadId: stop.body.threadId! });
    await terminated;
    expect(out.text()).toMatch(/Err\("timeout"\)/);
  });

  it('stops on a deadlock with every blocked task named', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('deadlock.aria') }, { exceptionFilters: ['deadlock'] });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.exceptionId).toBe('deadlock');
    expect(info.body.details?.stackTrace).toMatch(/task #1 \(main\) waits on task #2/);
    expect(info.body.details?.stackTrace).toMatch(/task #2 \(recv\) waits on a value from channel/);
    // Stopped before the teardown: the tasks still wait, and the views say on what.
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    expect(state.tasks.filter(t => t.id <= 2).map(t => [t.id, t.state, t.waitsOn])).toEqual([
      [1, 'blocked', 'task #2'], [2, 'blocked', expect.stringMatching(/^a value from channel #0/)],
    ]);
    expect(state.waitReports).toEqual([expect.objectContaining({ kind: 'cycle', tasks: [2, 1] })]);
    expect(await frames(c, stop.body.threadId!)).not.toEqual([]);
    // Continue tears down: every task cancelled, the run ends with the deadlock (no second stop).
    const exited = c.waitForEvent('exited');
    const terminated = c.waitForEvent('terminated');
    await c.continueRequest({ threadId: stop.body.threadId! });
    expect((await exited).body.exitCode).toBe(1);
    await terminated;
  });

  it('stops on a deadlock cycle before any task is cancelled, naming the cycle', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('deadlock-cycle.aria') }, { exceptionFilters: ['deadlock'] });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.threadId).toBe(2);
    expect(stop.body.description).toMatch(/^deadlock: tasks wait on each other \(#2 relay → #3 relay → #2 relay\)/);
    expect(stop.body.description).toMatch(/task #2 \(relay\) waits on a value from channel #0 \(held by task #3 relay/);
    expect(stop.body.description).toMatch(/task #3 \(relay\) waits on a value from channel #1 \(held by task #2 relay/);
    const info = await c.exceptionInfoRequest({ threadId: 2 });
    expect(info.body.exceptionId).toBe('deadlock');
    expect(await frames(c, 2)).toEqual([`relay:${lineOf('deadlock-cycle.aria', 'recv')}`]);
    expect(await frames(c, 1)).toEqual([`<main>:${lineOf('deadlock-cycle.aria', 'await')}`]);
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    expect(state.tasks.map(t => [t.id, t.state, t.waitsOnTasks ?? []])).toEqual([[1, 'blocked', [2]], [2, 'blocked', []], [3, 'blocked', []]]);
    expect(state.tasks.find(t => t.id === 2)?.waitsOn).toMatch(/^a value from channel #0/);
    expect(state.waitReports).toEqual([expect.objectContaining({ kind: 'cycle', tasks: [2, 3] })]);
    expect(state.waitReports![0]!.message).toBe(stop.body.description);
    // going back from the stop works, and going forward again stops there again, before the teardown
    const back = await resumeToStop(c, () => c.stepBackRequest({ threadId: 1 }));
    // (main is blocked inside `first.await`: one step back is that statement's start, the next the line before)
    expect([back.body.reason, (await topFrame(c, 1)).line]).toEqual(['step', lineOf('deadlock-cycle.aria', 'await')]);
    await resumeToStop(c, () => c.stepBackRequest({ threadId: 1 }));
    expect((await topFrame(c, 1)).line).toBe(lineOf('deadlock-cycle.aria', 'await') - 1);
    expect(((await c.customRequest('aria/runtimeState')).body as RuntimeStateBody).waitReports ?? []).toEqual([]);
    const again = await resumeToStop(c, () => c.continueRequest({ threadId: 1 }));
    expect([again.body.reason, again.body.threadId, again.body.description]).toEqual(['exception', 2, stop.body.description]);
    const exited = c.waitForEvent('exited');
    await c.continueRequest({ threadId: 2 });
    expect((await exited).body.exitCode).toBe(1);
  });

  it('stops on a partial deadlock with its cycle while main and its timers go on, then runs to the end', async () => {
    const c = await client();
    const out = collectOutput(c);
    const stop = await launchToStop(c, { program: program('partial-deadlock.aria') }, { exceptionFilters: ['deadlock'] });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.exceptionId).toBe('deadlock');
    expect(info.body.description).toMatch(/tasks wait on each other \(#2 relay → #3 relay → #2 relay\)/);
    expect(info.body.details?.stackTrace).toMatch(/task #2 \(relay\) waits on a value from channel #0/);
    expect(info.body.details?.stackTrace).toMatch(/task #3 \(relay\) waits on a value from channel #1/);
    // Found while main still beats: the stop comes at the next statement that runs (main, after its first sleep).
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    expect(state.tasks.find(t => t.id === 1)?.state).not.toBe('completed');
    expect(state.clockUs).toBeLessThanOrEqual(101_000);
    expect(out.text()).not.toMatch(/beats/);
    // aria/runtimeState serves the channels (tokio-console's resources), the lints, the report and the task metrics.
    expect(state.channels).toEqual([
      { id: 0, capacity: 1, length: 0, closed: false, waitingSenders: [], waitingReceivers: [2] },
      { id: 1, capacity: 1, length: 0, closed: false, waitingSenders: [], waitingReceivers: [3] },
    ]);
    expect(state.lints).toEqual([
      expect.objectContaining({ kind: 'blocked-forever', task: 2, message: 'waits on a value from channel #0, which nothing that can run will release' }),
      expect.objectContaining({ kind: 'blocked-forever', task: 3, message: 'waits on a value from channel #1, which nothing that can run will release' }),
    ]);
    expect(state.waitReports).toEqual([expect.objectContaining({ kind: 'cycle', tasks: [2, 3] })]);
    const main = state.tasks.find(t => t.id === 1)!;
    expect(main.metrics).toMatchObject({ wakes: 1, selfWakes: 0 });
    // Main is stopped inside its second poll: the histogram holds the polls that ended.
    expect(main.state).toBe('running');
    expect(main.metrics!.pollTimeHistogram.reduce((a, b) => a + b, 0)).toBe(main.polls - 1);
    const terminated = c.waitForEvent('terminated');
    await c.continueRequest({ threadId: stop.body.threadId! });
    await terminated;
    expect(out.text()).toMatch(/beats: 5/);
  });
});

describe('checkpoint memory', () => {
  it('keeps the checkpoints of a program with a million-element list under their byte budget, and says so', async () => {
    const c = await client();
    const line = lineOf('big-list.aria', 'end');
    const stop = await launchToStop(c, { program: program('big-list.aria') }, { breakpoints: { 'big-list.aria': [line] } });
    const top = await topFrame(c, stop.body.threadId!);
    const scopes = await c.scopesRequest({ frameId: top.id });
    const runtime = await c.variablesRequest({ variablesReference: scopes.body.scopes.find(s => s.name === 'Runtime')!.variablesReference });
    const row = runtime.body.variables.find(v => v.name === 'checkpoints')!;
    const parts = Object.fromEntries((await c.variablesRequest({ variablesReference: row.variablesReference })).body.variables.map(v => [v.name, v.value]));
    const bytes = Number(parts['memory (estimate)']!.split(' ')[0]);
    const budget = Number(parts['budget']!.split(' ')[0]);
    const count = Number(parts['count']);
    expect(budget).toBe(128 * 1024 * 1024);
    expect(bytes).toBeLessThanOrEqual(budget);
    // the list's copies are what the budget bounds: counted by their length (8 B a slot), they fill most of it
    expect(Number(parts['copied slots']) * 8).toBeGreaterThan(budget / 2);
    expect(bytes).toBeGreaterThanOrEqual(Number(parts['copied slots']) * 8);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThan(128);
    expect(row.value).toBe(`${count} · ≈ ${(bytes / 1048576).toFixed(1)} MB of 128.0 MB`);
    // going back still works, across the thinned-out history
    const back = await resumeToStop(c, () => c.stepBackRequest({ threadId: stop.body.threadId! }));
    expect((await topFrame(c, back.body.threadId!)).line).toBeLessThan(line);
  });
});

describe('stepping backwards', () => {
  /** Everything the client can see at a stop: the runtime state, the timeline, every thread's stack and locals. */
  async function picture(c: DebugClient): Promise<unknown> {
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    const timeline = (await c.customRequest('aria/timeline')).body as TimelineBody;
    const threads = (await c.threadsRequest()).body.threads;
    const stacks: Record<number, unknown> = {};
    for (const t of threads) {
      const st = await c.stackTraceRequest({ threadId: t.id });
      stacks[t.id] = { frames: st.body.stackFrames.map(f => `${f.name}:${f.line}:${f.column}`), locals: st.body.stackFrames.length ? await locals(c, t.id) : {} };
    }
    return { state: { ...state, reason: '' }, timeline, threads, stacks };
  }

  it('lands on exactly the previous state, step by step, without repeating output', async () => {
    const c = await client();
    const out = collectOutput(c);
    await launchToStop(c, { program: program('two-tasks.aria') }, { breakpoints: { 'two-tasks.aria': [lineOf('two-tasks.aria', 'worker-loop')] } });
    await c.setBreakpointsRequest({ source: { path: program('two-tasks.aria') }, breakpoints: [] });
    const pictures: unknown[] = [await picture(c)];
    for (let i = 0; i < 7; i++) {
      await resumeToStop(c, () => c.nextRequest({ threadId: 2 }));
      pictures.push(await picture(c));
    }
    const printed = out.text();
    expect(printed).toContain('a done');
    for (let i = pictures.length - 2; i >= 0; i--) {
      const s = await resumeToStop(c, () => c.stepBackRequest({ threadId: 2 }));
      expect(s.body.reason).toBe('step');
      expect(s.body.threadId).toBe(2);
      expect(await picture(c)).toEqual(pictures[i]);
    }
    expect(out.text()).toBe(printed);
    // and forwards again: the same future
    await resumeToStop(c, () => c.nextRequest({ threadId: 2 }));
    expect(await picture(c)).toEqual(pictures[1]);
  });

  it('steps back over changes to lists, structs, cells and channels made between checkpoints', async () => {
    // each `next` over `spin(1500)` runs about 4,500 statements, so the stop after it takes a checkpoint: stepping
    // back crosses checkpoints between which the heap changed in place
    const c = await client();
    await launchToStop(c, { program: program('heap.aria') }, { breakpoints: { 'heap.aria': [lineOf('heap.aria', 'heap-spin')] } });
    await c.setBreakpointsRequest({ source: { path: program('heap.aria') }, breakpoints: [] });
    const pictures: unknown[] = [await picture(c)];
    const seen: Record<string, string>[] = [await locals(c, 1)];
    for (let i = 0; i < 24; i++) {
      await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
      pictures.push(await picture(c));
      seen.push(await locals(c, 1));
    }
    const steps = pictures.map(p => (p as { state: RuntimeStateBody }).state.step);
    expect(steps.at(-1)! - steps[0]!).toBeGreaterThan(2 * 4000);
    expect(seen.at(-1)).toMatchObject({ xs: '[1, 2, 3]', c: 'Counter("c", 2, [0, 1, 2])', grid: '[[20, 0], [10, 0]]', count: '2', k: '2' });
    expect(seen.at(-1)!.ch).toMatch(/^<channel #\d+ 2\/16>$/);
    for (let i = pictures.length - 2; i >= 0; i--) {
      await resumeToStop(c, () => c.stepBackRequest({ threadId: 1 }));
      expect(await locals(c, 1), `back to stop ${i}`).toEqual(seen[i]);
      expect(await picture(c), `back to stop ${i}`).toEqual(pictures[i]);
    }
    // and forwards again over the same ground: the same states
    for (let i = 1; i < 8; i++) {
      await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
      expect(await picture(c), `forwards to stop ${i}`).toEqual(pictures[i]);
    }
  });

  it('steps back after held steps to exactly the previous state, and forwards to the same held future', async () => {
    const c = await client();
    await launchToStop(c, { program: program('hold.aria'), otherTasks: 'hold' }, { breakpoints: { 'hold.aria': [lineOf('hold.aria', 'count-step')] } });
    await c.setBreakpointsRequest({ source: { path: program('hold.aria') }, breakpoints: [] });
    const focus = ((await c.customRequest('aria/runtimeState')).body as RuntimeStateBody).focusTask;
    expect(focus).toBeGreaterThan(1);
    const pictures: unknown[] = [await picture(c)];
    for (let i = 0; i < 5; i++) {
      await resumeToStop(c, () => c.nextRequest({ threadId: focus }));
      pictures.push(await picture(c));
    }
    for (let i = pictures.length - 2; i >= 0; i--) {
      const s = await resumeToStop(c, () => c.stepBackRequest({ threadId: focus }));
      expect(s.body).toMatchObject({ reason: 'step', threadId: focus });
      expect(await picture(c)).toEqual(pictures[i]);
    }
    await resumeToStop(c, () => c.nextRequest({ threadId: focus }));
    expect(await picture(c)).toEqual(pictures[1]);
    await resumeToStop(c, () => c.nextRequest({ threadId: focus }));
    expect(await picture(c)).toEqual(pictures[2]);
    // back into the middle of a held step (over a call of `spin`): the replay holds the other tasks there too
    // A held task's idle time grows with the clock: where it stands is the rest of its row.
    const others = async () => ((await c.customRequest('aria/runtimeState')).body as RuntimeStateBody).tasks
      .filter(t => t.name === 'count' && t.id !== focus).map(({ metrics: _, ...row }) => row);
    const held = await others();
    expect((await topFrame(c, focus)).line).toBe(lineOf('hold.aria', 'count-step'));
    await resumeToStop(c, () => c.nextRequest({ threadId: focus }));
    await c.setBreakpointsRequest({ source: { path: program('hold.aria') }, breakpoints: [{ line: lineOf('hold.aria', 'spin-step') }] });
    const back = await resumeToStop(c, () => c.reverseContinueRequest({ threadId: focus }));
    expect(back.body).toMatchObject({ reason: 'breakpoint', threadId: focus });
    expect(await locals(c, focus)).toEqual({ k: '60', i: '59' });
    expect(await others()).toEqual(held);
    const landed = await picture(c);
    await resumeToStop(c, () => c.stepBackRequest({ threadId: focus }));
    expect((await topFrame(c, focus)).line).toBe(lineOf('hold.aria', 'spin-step') - 1);
    expect(await locals(c, focus)).toEqual({ k: '60', i: '59' });
    expect(await others()).toEqual(held);
    await resumeToStop(c, () => c.nextRequest({ threadId: focus }));
    expect(await picture(c)).toEqual(landed);
    await c.setBreakpointsRequest({ source: { path: program('hold.aria') }, breakpoints: [] });
    const ended = c.waitForEvent('terminated');
    await c.continueRequest({ threadId: focus });
    await ended;
  });

  it('reverse-continues to the previous breakpoint hit in another task, and to the start', async () => {
    const c = await client();
    const line = lineOf('two-tasks.aria', 'worker-start');
    await launchToStop(c, { program: program('two-tasks.aria') }, { breakpoints: { 'two-tasks.aria': [line] } });
    const first = await picture(c);
    const second = await resumeToStop(c, () => c.continueRequest({ threadId: 2 }));
    expect(second.body.threadId).toBe(3);
    const back = await resumeToStop(c, () => c.reverseContinueRequest({ threadId: 3 }));
    expect(back.body.reason).toBe('breakpoint');
    expect(back.body.threadId).toBe(2);
    expect(await picture(c)).toEqual(first);
    const start = await resumeToStop(c, () => c.reverseContinueRequest({ threadId: 2 }));
    expect(start.body.reason).toBe('entry');
    expect((await topFrame(c, 1)).line).toBe(lineOf('two-tasks.aria', 'spawn-a'));
    expect(((await c.customRequest('aria/runtimeState')).body as RuntimeStateBody).step).toBe(0);
  });

  it('stepping back rewinds hit counts: a hit condition counts from there again', async () => {
    const c = await client();
    const loop = lineOf('two-tasks.aria', 'worker-loop');
    // Stops exactly at the third pass through the loop of worker a (i = 2).
    const third = await launchToStop(c, { program: program('two-tasks.aria') }, {
      breakpoints: { 'two-tasks.aria': [{ line: loop, hitCondition: '== 3' }] },
    });
    expect(third.body.threadId).toBe(2);
    expect((await locals(c, 2))['i']).toBe('2');
    // Back to the second pass (reverse-continue ignores hit counts)...
    const back = await resumeToStop(c, () => c.reverseContinueRequest({ threadId: 2 }));
    expect(back.body.reason).toBe('breakpoint');
    expect((await locals(c, 2))['i']).toBe('1');
    // ...where two hits have happened: going on, the third pass is the third hit again and stops.
    const again = await resumeToStop(c, () => c.continueRequest({ threadId: 2 }));
    expect(again.body.reason).toBe('breakpoint');
    expect(again.body.threadId).toBe(2);
    expect((await locals(c, 2))['i']).toBe('2');
  });

  it('steps back from the end of a long loop to its last iteration', async () => {
    const c = await client();
    await launchToStop(c, { program: program('counter.aria') }, { breakpoints: { 'counter.aria': [lineOf('counter.aria', 'done')] } });
    expect(await locals(c, 1)).toEqual({ n: '100000' });
    // the `while` header is a statement of each iteration: first its last check, then the last increment
    await resumeToStop(c, () => c.stepBackRequest({ threadId: 1 }));
    expect((await topFrame(c, 1)).line).toBe(lineOf('counter.aria', 'count') - 1);
    expect(await locals(c, 1)).toEqual({ n: '100000' });
    await resumeToStop(c, () => c.stepBackRequest({ threadId: 1 }));
    expect((await topFrame(c, 1)).line).toBe(lineOf('counter.aria', 'count'));
    expect(await locals(c, 1)).toEqual({ n: '99999' });
  });
});

describe('robustness', () => {
  it('answers malformed requests with errors and keeps going', async () => {
    const c = await client();
    await launchToStop(c, { program: program('calls.aria'), stopOnEntry: true });
    expect(await expectError(c.stackTraceRequest({} as DebugProtocol.StackTraceArguments))).toMatch(/"threadId"/);
    expect(await expectError(c.stackTraceRequest({ threadId: 77 }))).toMatch(/no task #77/);
    expect(await expectError(c.variablesRequest({ variablesReference: 12345 }))).toMatch(/unknown variablesReference/);
    expect(await expectError(c.nextRequest({ threadId: 42 }))).toMatch(/no task #42/);
    expect(await expectError(c.scopesRequest({ frameId: -5 }))).toMatch(/unknown frame/);
    expect(await expectError(c.customRequest('aria/nonsense'))).toMatch(/unknown request/);
    expect(await expectError(c.evaluateRequest({ expression: 'x = 1', context: 'repl' }))).toMatch(/assignment/);
    expect((await c.threadsRequest()).body.threads).toEqual([{ id: 1, name: '#1 main' }]);
    const s = await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
    expect(s.body.reason).toBe('step');
  });

  it('terminates cleanly while running and while stopped', async () => {
    const c = await client();
    await Promise.all([c.configurationSequence(), c.launch({ program: program('spin.aria') })]);
    const terminated = c.waitForEvent('terminated');
    await c.terminateRequest({});
    await terminated;

    const d = await client();
    await launchToStop(d, { program: program('calls.aria'), stopOnEntry: true });
    const t2 = d.waitForEvent('terminated');
    await d.terminateRequest({});
    await t2;
  });

  it('restarts from the beginning', async () => {
    const c = await client();
    await launchToStop(c, { program: program('calls.aria'), stopOnEntry: true });
    await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
    expect((await topFrame(c, 1)).line).toBe(lineOf('calls.aria', 'main-first') + 1);
    const again = await resumeToStop(c, () => c.restartRequest({ arguments: { program: program('calls.aria'), stopOnEntry: true } } as DebugProtocol.RestartArguments));
    expect(again.body.reason).toBe('entry');
    expect((await topFrame(c, 1)).line).toBe(lineOf('calls.aria', 'main-first'));
    const state = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
    expect(state.step).toBe(0);
  });
});
