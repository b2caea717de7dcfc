// Regressions for the debug adapter's correctness (issue 17): steps that keep their stop, timeline bars, honest capabilities.
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
