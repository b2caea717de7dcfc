// The debug adapter launched with `"replay": FILE` (DebugClient against `aria dap`): it follows the replay file's
// schedule and stops at the failure, where step back works; a changed program and a bad file are said clearly.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describe, expect, it } from 'vitest';
import { collectOutput, launchToStop, repoRoot, resumeToStop, topFrame, useAdapter } from './harness.js';
import { PREEMPT_COUNTER } from '../support/programs.js';
import { DebugRunOutcome } from '../../client/test-model.js';

const { client, adapterPath } = useAdapter();

const RACY = `struct Counter(hits: Int)

fn record(c: Counter) -> {Async} Unit
  seen = c.hits
  stamp = spawn now()
  stamp.await
  c.hits = seen + 1
end

c = Counter(0)
tasks = [spawn record(c), spawn record(c), spawn record(c)]
join(tasks)
assert(c.hits == 3, "a hit was lost")
print("hits:", c.hits)
`;


/** Runs the bundled CLI (built beside the adapter) in `cwd`; its exit status is not an error. */
function aria(args: string[], cwd: string): string {
  try {
    return execFileSync(process.execPath, [join(dirname(adapterPath()), 'cli.js'), ...args], { cwd, encoding: 'utf8' });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  }
}

function racyFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aria-dap-replay-'));
  writeFileSync(join(dir, 'racy.aria'), RACY);
  expect(aria(['explore', 'racy.aria', '-n', '500'], dir)).toContain('wrote the failing schedule to .aria/replays/racy.json');
  return dir;
}

describe('"replay" in a launch configuration', () => {
  it('stops at the failure of the replayed schedule; without it the same program runs to its end', async () => {
    const dir = racyFolder();
    const plain = await client();
    const out = collectOutput(plain);
    await Promise.all([plain.waitForEvent('terminated'), plain.launch({ program: join(dir, 'racy.aria') })]);
    expect(out.text()).toBe('hits: 3\n');

    const c = await client();
    const console = collectOutput(c, 'console');
    const stop = await launchToStop(c, { replay: join(dir, '.aria/replays/racy.json') });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.description).toContain('a hit was lost');
    const top = await topFrame(c, stop.body.threadId!);
    expect(top.line).toBe(13);
    expect(top.source?.path).toBe(join(dir, 'racy.aria'));
    expect(console.text()).toContain('the schedule of');
    expect(console.text()).toContain('recorded failure: a hit was lost');
    // Step back from the failure shows how the tasks got there.
    const lines: number[] = [];
    for (let i = 0; i < 2; i++) {
      const back = await resumeToStop(c, () => c.stepBackRequest({ threadId: stop.body.threadId! }));
      expect(back.body.reason).toBe('step');
      lines.push((await topFrame(c, back.body.threadId!)).line);
    }
    expect(lines).toEqual([13, 12]);
  });

  it('replays a test\'s schedule: the test function runs, and it stops at its assertion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-dap-replay-test-'));
    copyFileSync(join(repoRoot, 'examples', 'bug-lost-update.aria'), join(dir, 'bug-lost-update.aria'));
    expect(aria(['test', 'bug-lost-update.aria', '--explore', '300'], dir)).toContain('replay: aria run --replay .aria/replays/bug-lost-update.deposits_all_land.json');
    const c = await client();
    const stop = await launchToStop(c, { replay: '.aria/replays/bug-lost-update.deposits_all_land.json', cwd: dir });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.description).toContain('assert_eq failed: left 110, right 130'); // the second deposit's update lost
    const trace = await c.stackTraceRequest({ threadId: stop.body.threadId! });
    expect(trace.body.stackFrames.map(f => `${f.name}:${f.line}`)).toEqual(['deposits_all_land:32']);
  });

  it('"test": NAME runs that @test function as the main task and stops at its failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-dap-test-'));
    writeFileSync(join(dir, 'tests.aria'), `print("top level")

@test
fn adds_up()
  print("adds_up ran")
  assert_eq(1 + 1, 2)
end

@test
fn wrong_sum()
  print("wrong_sum ran")
  assert_eq(2 + 2, 5)
end
`);
    const c = await client();
    const out = collectOutput(c);
    const said: string[] = [];
    c.on('output', e => {
      if (e.body.category === 'console') said.push(e.body.output);
    });
    const stop = await launchToStop(c, { program: join(dir, 'tests.aria'), test: 'wrong_sum' });
    // The first line says how to run it again: `aria test`, not `aria run` (which runs the top level).
    expect(said.join('')).toContain('test wrong_sum, seed 1');
    expect(said.join('')).toContain('`aria test --filter wrong_sum --exact --seed 1` replays it');
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.description).toContain('assert_eq failed: left 4, right 5');
    expect((await topFrame(c, stop.body.threadId!)).line).toBe(12);
    expect(out.text()).toBe('wrong_sum ran\n');

    const passing = await client();
    const passed = collectOutput(passing);
    await Promise.all([passing.waitForEvent('terminated'), passing.launch({ program: join(dir, 'tests.aria'), test: 'adds_up' })]);
    expect(passed.text()).toBe('adds_up ran\n');

    const fail = async (args: Record<string, unknown>) => {
      const d = await client();
      await d.initializeRequest({ adapterID: 'aria' });
      try {
        await d.launchRequest(args as DebugProtocol.LaunchRequestArguments);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the launch succeeded');
    };
    expect(await fail({ program: join(dir, 'tests.aria'), test: 'no_such_test' })).toContain('has no function no_such_test');
    expect(await fail({ program: join(dir, 'tests.aria'), test: 'a b' })).toContain('"test" must be the name of a @test function');
  });

  it('a Debug run of a test: the Test Explorer reads failed, passed or no result from what the adapter sends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-dap-verdict-'));
    const file = join(dir, 'tests.aria');
    writeFileSync(file, `@test
fn adds_up()
  assert_eq(1 + 1, 2)
end

@test
fn wrong_sum()
  x = 2 + 2
  assert_eq(x, 5)
end

fn boom() -> Unit
  panic("lost in the background")
end

@test
fn fails_unawaited()
  spawn boom()
  sleep(5.ms)
end
`);
    /** A client whose events the Test Explorer's model reads, as its adapter tracker does. */
    const followed = async () => {
      const c = await client();
      const outcome = new DebugRunOutcome();
      for (const name of ['stopped', 'exited', 'output', 'terminated']) c.on(name, (e: unknown) => outcome.read(e));
      return { c, outcome };
    };
    // The failing test stops on its assertion: failed, with the message (the user stops the session there).
    const failing = await followed();
    await launchToStop(failing.c, { program: file, test: 'wrong_sum' });
    expect(failing.outcome.verdict).toEqual({ kind: 'failed', message: 'assert_eq failed: left 4, right 5' });
    // Continued past the failure to the end (exit code 1): still the assertion's message.
    const continued = await followed();
    const stop = await launchToStop(continued.c, { program: file, test: 'wrong_sum' });
    await Promise.all([continued.c.waitForEvent('terminated'), continued.c.continueRequest({ threadId: stop.body.threadId! })]);
    expect(continued.outcome.verdict).toEqual({ kind: 'failed', message: 'assert_eq failed: left 4, right 5' });
    // A passing test runs to its end: exit code 0.
    const passing = await followed();
    await Promise.all([passing.c.waitForEvent('terminated'), passing.c.launch({ program: file, test: 'adds_up' })]);
    expect(passing.outcome.verdict).toEqual({ kind: 'passed' });
    // A task's panic stops the debugger there too: failed, with its message.
    const panicked = await followed();
    await launchToStop(panicked.c, { program: file, test: 'fails_unawaited' });
    expect(panicked.outcome.verdict).toEqual({ kind: 'failed', message: 'lost in the background' });
    // Without a stop (the user's exception filters off), the exit code and what the adapter printed decide.
    const unawaited = new DebugRunOutcome();
    for (const e of [
      { type: 'event', event: 'output', body: { category: 'stderr', output: 'a task failed and nobody awaited it: #2 boom: lost\n' } },
      { type: 'event', event: 'exited', body: { exitCode: 1 } },
      { type: 'event', event: 'terminated', body: {} },
    ]) unawaited.read(e);
    expect(unawaited.verdict).toEqual({ kind: 'failed', message: 'a task failed and nobody awaited it: #2 boom: lost' });
    const bare = new DebugRunOutcome();
    bare.read({ type: 'event', event: 'exited', body: { exitCode: 70 } });
    bare.read({ type: 'response', command: 'stopped', body: { reason: 'exception' } });
    expect(bare.verdict).toEqual({ kind: 'failed', message: 'the test ended with exit code 70' });
    // Stopped at a breakpoint and ended by the user before the test ended: no result.
    const stopped = await followed();
    await launchToStop(stopped.c, { program: file, test: 'wrong_sum' }, { breakpoints: { [file]: [9] } });
    expect(stopped.outcome.verdict).toEqual({ kind: 'none' });
  });

  it('says when the program changed since the schedule was recorded', async () => {
    const dir = racyFolder();
    writeFileSync(join(dir, 'racy.aria'), RACY.replace('print("hits:", c.hits)', 'print("hits now:", c.hits)'));
    const c = await client();
    const errors = collectOutput(c, 'stderr');
    await launchToStop(c, { replay: join(dir, '.aria/replays/racy.json') });
    expect(errors.text()).toContain('has changed since the schedule was recorded');
  });

  it('refuses a replay file it cannot use, and runtime options beside one', async () => {
    const dir = racyFolder();
    const replay = join(dir, '.aria/replays/racy.json');
    writeFileSync(join(dir, 'broken.json'), readFileSync(replay, 'utf8').replace('"aria-replay"', '"nope"'));
    const fail = async (args: Record<string, unknown>) => {
      const c = await client();
      await c.initializeRequest({ adapterID: 'aria' });
      try {
        await c.launchRequest(args as DebugProtocol.LaunchRequestArguments);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the launch succeeded');
    };
    expect(await fail({ replay: join(dir, 'broken.json') })).toContain('it is not an Aria replay file');
    expect(await fail({ replay: join(dir, 'missing.json') })).toContain('cannot read the replay file');
    expect(await fail({ replay, seed: 4 })).toContain('"seed" cannot go with "replay"');
  });

  it('replays a schedule explored with --preempt (a turn cut between a read and its write) to its failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-dap-replay-preempt-'));
    writeFileSync(join(dir, 'counter.aria'), PREEMPT_COUNTER);
    expect(aria(['test', 'counter.aria', '--explore', '50', '--preempt'], dir)).toContain('replay: aria run --replay .aria/replays/counter.every_bump_lands.json');
    const c = await client();
    const stop = await launchToStop(c, { replay: '.aria/replays/counter.every_bump_lands.json', cwd: dir });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.description).toContain('assert_eq failed: left 1, right 3'); // three bumps on three workers
  });
});
