// Regressions for the debug adapter's correctness (issue 17): steps that keep their stop, timeline bars, honest capabilities.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { RuntimeStateBody } from '../../debug/protocol.js';
import { describe, expect, it } from 'vitest';
import { useAdapter, collectOutput, launchToStop, lineOf, program, resumeToStop, topFrame } from './harness.js';

const { client } = useAdapter();

describe('a step whose task ends', () => {
  it('stops in the program after a child ends while its parent waits inside the prelude join', async () => {
    const c = await client();
    const out = collectOutput(c);
    const last = lineOf('join-step.aria', 'child-last');
    const first = await launchToStop(c, { program: program('join-step.aria') }, { breakpoints: { 'join-step.aria': [last] } });
    const child = first.body.threadId!;
    await c.setBreakpointsRequest({ source: { path: program('join-step.aria') }, breakpoints: [] });
    const seen: string[] = [];
    let thread = child;
    for (let i = 0; i < 10; i++) {
      const s = await Promise.race([
        resumeToStop(c, () => c.nextRequest({ threadId: thread })),
        c.waitForEvent('terminated').then(() => undefined),
      ]);
      if (!s) break;
      thread = s.body.threadId!;
      const top = await topFrame(c, thread);
      seen.push(`${thread}:${top.line}`);
      if (top.line === lineOf('join-step.aria', 'after')) break;
    }
    // the second child's two statements, then main's next statement: the program has not ended
    expect(seen).toEqual([`${child - 1}:${last - 1}`, `${child - 1}:${last}`, `1:${lineOf('join-step.aria', 'after')}`]);
    expect(out.text()).toBe('parent: 8\n');
  });

  it('keeps stopping in worker-pool (seed 7) stepping on from the 300th hit of a job line', async () => {
    const c = await client();
    const path = program('../../../examples/worker-pool.aria');
    const first = await launchToStop(c, { program: path, seed: 7 }, { breakpoints: { [path]: [{ line: 9, hitCondition: '300' }] } });
    let thread = first.body.threadId!;
    const steps: string[] = [];
    for (let i = 1; i <= 24; i++) {
      const s = await Promise.race([
        resumeToStop(c, () => c.nextRequest({ threadId: thread })),
        c.waitForEvent('terminated').then(() => undefined),
      ]);
      if (!s) throw new Error(`next #${i} ran the program to its end after ${steps.join(', ')}`);
      thread = s.body.threadId!;
      const top = await topFrame(c, thread);
      // every step lands in the program's own code (never in the prelude's join)
      expect(top.source?.path).toBe(path);
      steps.push(`${top.name}:${top.line}`);
    }
    expect(steps).toHaveLength(24);
  });
});

describe('capabilities the adapter keeps', () => {
  async function refused(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the request succeeded but the adapter does not support it');
  }

  it('does not advertise setVariable, setExpression, completions or single-thread requests, and refuses the first three', async () => {
    const c = await client();
    const init = await c.initializeRequest();
    expect(init.body).toMatchObject({
      supportsSetVariable: false, supportsSetExpression: false, supportsCompletionsRequest: false, supportsSingleThreadExecutionRequests: false,
    });
    const d = await client();
    await launchToStop(d, { program: program('calls.aria'), stopOnEntry: true });
    await refusedAll(d);
  });

  async function refusedAll(c: DebugClient): Promise<void> {
    const top = await topFrame(c, 1);
    const scopes = await c.scopesRequest({ frameId: top.id });
    const ref = scopes.body.scopes[0]!.variablesReference;
    expect(await refused(c.setVariableRequest({ variablesReference: ref, name: 'xs', value: '1' }))).toMatch(/setVariable: .*not supported/);
    expect(await refused(c.customRequest('setExpression', { expression: 'xs', value: '1', frameId: top.id }))).toMatch(/setExpression: .*not supported/);
    expect(await refused(c.customRequest('completions', { text: 'x', column: 2, frameId: top.id }))).toMatch(/completions: /);
  }
});

describe('the output count after a jump back', () => {
  it('is what it was at that step, going back and forward again', async () => {
    const c = await client();
    await launchToStop(c, { program: program('calls.aria'), stopOnEntry: true });
    const state = async () => {
      const b = (await c.customRequest('aria/runtimeState')).body as RuntimeStateBody;
      return `${b.step}:${b.outputLines}`;
    };
    const forward: string[] = [await state()];
    for (let i = 0; i < 8; i++) {
      await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
      forward.push(await state());
    }
    // the loop printed three lines by now
    expect(forward.at(-1)).toMatch(/:3$/);
    const back: string[] = [];
    for (let i = 0; i < 4; i++) {
      await resumeToStop(c, () => c.stepBackRequest({ threadId: 1 }));
      back.push(await state());
    }
    expect(back).toEqual(forward.slice(4, 8).reverse());
    const again: string[] = [];
    for (let i = 0; i < 4; i++) {
      await resumeToStop(c, () => c.nextRequest({ threadId: 1 }));
      again.push(await state());
    }
    expect(again).toEqual(forward.slice(5, 9));
  });
});

describe('evaluate does what docs/debugging.md says it does', () => {
  // The "evaluate" row of "What the adapter supports" (docs/runtime.md points there for the adapter's evaluate),
  // each power by the words of that row, with an example, in `norm` of calls.aria at `a + b` (p = Point(3, 4), a = 9,
  // b = 16).
  const powers: readonly (readonly [string, string, string])[] = [
    ['names', 'a', '9'],
    ['literals', '[1.5, "s", true]', '[1.5, "s", true]'],
    ['arithmetic', 'a * 2 - b % 5', '17'],
    ['comparisons', 'a < b', 'true'],
    ['`and`/`or`/`not`', 'not (a > b) and (a == 9 or false)', 'true'],
    ['fields', 'p.y', '4'],
    ['indexing', '[a, b][1]', '16'],
    ['interpolation', '"#{a}-#{b}"', '"9-16"'],
    ['durations', '5.seconds', '5000'],
    ['built-in constants', 'CPU.count + 1', '5'],
    ['the clock', 'now() >= 0', 'true'],
    ['`if`', 'if a > b 1 else 2 end', '2'],
    ['the pure helpers', '[len([a, b]), sum([a, b]), abs(0 - a), min(a, b), max(a, b)]', '[2, 25, 9, 9, 16]'],
    ['the pure helpers (2)', '[str(a), int("7"), contains([a, b], 16), range(0, 3)]', '["9", 7, true, [0, 1, 2]]'],
    ['constructors', '[Some(a), Point(1, 2), None]', '[Some(9), Point(1, 2), None]'],
  ];
  const refused: readonly (readonly [string, string, RegExp])[] = [
    ['calls of Aria functions', 'square(2)', /cannot call square here: evaluation has no side effects/],
    ['`spawn`', 'spawn square(2)', /spawn cannot be evaluated here/],
    ['`.await`', 'p.await', /await cannot be evaluated here/],
    ['assignments', 'a = 1', /assignment cannot be evaluated here/],
  ];

  it('evaluates each documented power and refuses each documented refusal, with a message', async () => {
    const c = await client();
    const stop = await launchToStop(c, { program: program('calls.aria') }, { breakpoints: { 'calls.aria': [lineOf('calls.aria', 'norm-sum')] } });
    const top = await topFrame(c, stop.body.threadId!);
    const answer = (expression: string) => c.evaluateRequest({ expression, frameId: top.id, context: 'repl' }).then(r => r.body.result, (e: Error) => `error: ${e.message}`);
    const got: Record<string, string> = {};
    for (const [what, expression] of powers) got[what] = await answer(expression);
    expect(got).toEqual(Object.fromEntries(powers.map(([what, , want]) => [what, want])));
    for (const [what, expression, message] of refused) expect(await answer(expression), what).toMatch(message);
    // the run is unchanged by all that
    expect(await answer('a + b')).toBe('25');
  });

  it('is described alike in docs/debugging.md and docs/runtime.md', () => {
    const root = join(import.meta.dirname, '..', '..', 'docs');
    const debugging = readFileSync(join(root, 'debugging.md'), 'utf8');
    const runtime = readFileSync(join(root, 'runtime.md'), 'utf8');
    const row = debugging.split('\n').find(l => l.startsWith('| evaluate |'))!;
    for (const [what] of powers) expect(row, what).toContain(what.replace(' (2)', ''));
    for (const [what] of refused) expect(row.toLowerCase(), what).toContain(what.toLowerCase());
    // runtime.md sends the adapter's evaluate to debugging.md and names the same refusals
    expect(runtime).toMatch(/its\s+`evaluate` \(watch, hover, Debug Console, breakpoint conditions, logpoints\) is `debug\/evaluate.ts`, which\s+evaluates without side effects and refuses calls of Aria functions, `spawn`, `.await` and assignments/);
  });
});
