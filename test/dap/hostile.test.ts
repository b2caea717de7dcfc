// Hostile input to the debug adapter: malformed frames and arguments, runaway programs, evaluations too big to make.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildAdapter, collectOutput, launchToStop, startClient, topFrame } from './harness.js';

let adapter = '';
let cleanup = () => {};
let dir = '';
const clients: DebugClient[] = [];

beforeAll(async () => {
  ({ adapter, cleanup } = await buildAdapter());
  dir = mkdtempSync(join(tmpdir(), 'aria-dap-hostile-'));
}, 120_000);

afterAll(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map(c => c.stop()));
});

async function client(): Promise<DebugClient> {
  const c = await startClient(adapter);
  clients.push(c);
  return c;
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** The adapter as a process fed raw frames one after another; what it wrote, split into messages, and whether it is still up. */
async function raw(bodies: string[]): Promise<{ messages: Record<string, unknown>[]; alive: boolean; code: number | null }> {
  const child = spawn(process.execPath, [adapter], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', d => (out += String(d)));
  let code: number | null = null;
  child.on('exit', c => (code = c));
  const all = [JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'aria' } }), ...bodies,
    JSON.stringify({ seq: 1000, type: 'request', command: 'threads' })];
  for (const body of all) child.stdin.write(frame(body));
  const started = Date.now();
  while (!out.includes('"request_seq":1000') && Date.now() - started < 20_000 && code === null) await new Promise(r => setTimeout(r, 20));
  const alive = code === null;
  child.kill();
  const messages = out.split(/Content-Length: \d+\r\n\r\n/).filter(Boolean).map(m => JSON.parse(m) as Record<string, unknown>);
  return { messages, alive, code };
}

describe('malformed messages', () => {
  it('a body that is not JSON, null, or not a message is named on stderr and the session goes on (it exited 0)', async () => {
    const r = await raw(['{not json', 'null', '[1, 2]', '{"type":"request","seq":7}']);
    expect(r.alive).toBe(true);
    const stderr = r.messages.filter(m => m.event === 'output').map(m => (m.body as { output: string }).output);
    expect(stderr[0]).toMatch(/ignored a message that is not JSON/);
    expect(stderr[1]).toMatch(/ignored a malformed message: a message must be a JSON object, not null/);
    expect(stderr[2]).toMatch(/not \[1,2\]/);
    const seven = r.messages.find(m => m.request_seq === 7);
    expect(seven).toMatchObject({ success: false, message: 'malformed request: a request needs a "command" string, not undefined' });
    expect(r.messages.find(m => m.request_seq === 1000)).toMatchObject({ success: true, command: 'threads' });
  });

  it('arguments of the wrong type answer an error naming the argument, never a JS stack', async () => {
    const r = await raw([
      JSON.stringify({ seq: 2, type: 'request', command: 'stackTrace', arguments: { threadId: 'abc' } }),
      JSON.stringify({ seq: 3, type: 'request', command: 'setBreakpoints', arguments: { source: { path: '/x.aria' }, breakpoints: [{ line: '2' }] } }),
      JSON.stringify({ seq: 4, type: 'request', command: 'evaluate', arguments: 'x' }),
      JSON.stringify({ seq: 5, type: 'request', command: 'scopes', arguments: { frameId: 1.5 } }),
    ]);
    expect(r.alive).toBe(true);
    const answer = (seq: number) => r.messages.find(m => m.request_seq === seq) as { success: boolean; message: string };
    expect(answer(2)).toMatchObject({ success: false, message: 'stackTrace: "threadId" must be an integer, not "abc"' });
    expect(answer(3).message).toBe('setBreakpoints: "breakpoints[0].line" must be an integer, not "2"');
    expect(answer(4).message).toBe('evaluate: "arguments" must be an object, not "x"');
    expect(answer(5).message).toBe('scopes: "frameId" must be an integer, not 1.5');
    for (const seq of [2, 3, 4, 5]) expect(answer(seq).message).not.toMatch(/\.js:\d+|at \w+ \(/);
  });

  it('a wrong type inside a launched session is refused too, and the session answers on', async () => {
    const c = await client();
    await launchToStop(c, { program: file('calm.aria', 'x = 1\nprint(x)\n'), stopOnEntry: true });
    const error = await c.customRequest('stackTrace', { threadId: 'abc' }).then(() => 'answered', (e: Error) => e.message);
    expect(error).toBe('stackTrace: "threadId" must be an integer, not "abc"');
    expect((await topFrame(c, 1)).line).toBe(1);
  });
});

describe('runaway programs in the debugger', () => {
  it('range(0, 1000000000) stops as an Aria failure at its line, and the session goes on (it was a V8 fatal error)', async () => {
    const c = await client();
    const path = file('huge.aria', 'print("start")\nxs = range(0, 1000000000)\nprint(len(xs))\n');
    const stop = await launchToStop(c, { program: path });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.text ?? stop.body.description ?? '').toMatch(/would pass the limit of 10,000,000 elements/);
    expect((await topFrame(c, stop.body.threadId!)).line).toBe(2);
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.description).toMatch(/range\(0, 1000000000\)/);
  });

  it('the launch settings set the limits: loop push(xs, 1) end stops at maxListLength', async () => {
    const c = await client();
    const path = file('push.aria', 'xs = []\nloop\n  push(xs, 1)\nend\n');
    const stop = await launchToStop(c, { program: path, maxListLength: 2000 });
    expect(stop.body.reason).toBe('exception');
    const info = await c.exceptionInfoRequest({ threadId: stop.body.threadId! });
    expect(info.body.description).toMatch(/a list of 2,001 elements would pass the limit of 2,000 elements/);
    const bad = await launchToStop(await client(), { program: path, maxHeapMb: -1 }).then(() => 'launched', (e: Error) => e.message);
    expect(bad).toMatch(/"maxHeapMb" must be a non-negative integer/);
  });

  it('an evaluation of 3,000 ranges answers an error and the adapter stays up', async () => {
    const c = await client();
    const path = file('eval.aria', 'n = 100000\nprint(n)\n');
    await launchToStop(c, { program: path, stopOnEntry: true });
    const top = await topFrame(c, 1);
    const expression = Array.from({ length: 3000 }, () => 'range(0, 100000)').join(' + ');
    const evaluate = (text: string) => c.evaluateRequest({ expression: text, frameId: top.id, context: 'repl' }).then(() => 'answered', (e: Error) => e.message);
    expect(await evaluate(expression)).toMatch(/^expression too long to evaluate \(\d+ characters; at most 4096\)/);
    // Short enough to read, too big to make: 200 lists of 100,000 elements, added up one after another.
    expect(await evaluate(Array.from({ length: 200 }, () => 'range(0,100000)').join('+'))).toMatch(/too large to evaluate/);
    expect(await evaluate(`${'-('.repeat(1300)}1${')'.repeat(1300)}`)).toMatch(/too deep/);
    const ok = await c.evaluateRequest({ expression: '1 + 2', frameId: top.id, context: 'repl' });
    expect(ok.body.result).toBe('3');
  });

  it('a program printing two million lines: every line is shown or counted as dropped, the last ones shown, in few events', async () => {
    const c = await client();
    const out = collectOutput(c);
    const notes = collectOutput(c, 'console');
    let events = 0;
    c.on('output', () => events++);
    const path = file('flood.aria', 'i = 0\nwhile i < 2000000\n  print("line #{i}")\n  i = i + 1\nend\n');
    await Promise.all([c.launch({ program: path } as never), c.waitForEvent('terminated', 240_000)]);
    const shown = out.text().split('\n').filter(Boolean);
    const dropped = [...notes.text().matchAll(/\[([\d,]+) lines of output not shown/g)].reduce((n, m) => n + Number(m[1]!.replace(/,/g, '')), 0);
    expect(shown.length + dropped).toBe(2_000_000);
    expect(shown.at(-1)).toBe('line 1999999');
    // One event per print made two million events, queued faster than any client read them (1.2 GB at one million).
    expect(events).toBeLessThan(20_000);
  }, 300_000);

  it('program output is streamed as output events', async () => {
    const c = await client();
    const out = collectOutput(c);
    const path = file('out.aria', 'i = 0\nwhile i < 3000\n  print(i)\n  i = i + 1\nend\n');
    await Promise.all([c.launch({ program: path } as never), c.waitForEvent('terminated', 30_000)]);
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(3000);
  });
});
