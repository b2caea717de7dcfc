// Hostile input over real JSON-RPC on stdio: broken frames, positions that are not integers, long lines, deep nesting.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { resolve } from 'node:path';
import { LspClient, REPO, fileUri, serverCommand } from './lsp-client.js';
import { FrameGuard } from '../../server/frames.js';
import { memberObject } from '../../server/features/completion.js';
import { rng } from '../support/random.js';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const message = (value: unknown) => frame(JSON.stringify({ jsonrpc: '2.0', ...(value as object) }));

/**
 * Starts the server as a process, writes `inputs` after `initialize`, then `shutdown`; once that is answered (or
 * after 20 s), `exit`. Collects what the server answers until it exits.
 */
async function rawSession(inputs: string[]): Promise<{ code: number | null; out: string; err: string; hung: boolean }> {
  const [command, ...args] = serverCommand();
  const child = spawn(command!, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', d => (out += String(d)));
  child.stderr.on('data', d => (err += String(d)));
  const exited = new Promise<number | null>(r => child.on('exit', code => r(code)));
  child.stdin.write(message({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
  // Wait for the answer to initialize before sending the hostile bytes.
  await new Promise<void>(r => { const t = setInterval(() => { if (out.includes('"id":1')) { clearInterval(t); r(); } }, 20); });
  const seen = (text: string) => new Promise<boolean>(r => {
    const started = Date.now();
    const t = setInterval(() => {
      if (out.includes(text) || Date.now() - started > 20_000) { clearInterval(t); r(out.includes(text)); }
    }, 20);
  });
  for (const input of inputs) child.stdin.write(input);
  child.stdin.write(message({ id: 99, method: 'shutdown' }));
  if (await seen('"id":99')) child.stdin.write(message({ method: 'exit' }));
  const timer = new Promise<'hung'>(r => setTimeout(() => r('hung'), 20_000));
  const result = await Promise.race([exited, timer]);
  if (result === 'hung') child.kill();
  return { code: result === 'hung' ? null : result, out, err, hung: result === 'hung' };
}


describe('broken frames', () => {
  test('a header without Content-Length is dropped, and the next messages are answered', async () => {
    const bad = `Content-Type: application/json\r\n\r\n${JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'shutdown' })}`;
    const session = await rawSession([bad]);
    expect(session.hung).toBe(false);
    expect(session.out).toContain('"id":99');
    expect(session.code).toBe(0);
    expect(session.err).toMatch(/dropped \d+ bytes of input: a header without a valid Content-Length/);
  });

  test('a Content-Length larger than its body does not swallow the messages after it', async () => {
    const bad = `Content-Length: 5000\r\n\r\n${JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'shutdown' })}`;
    const session = await rawSession([bad]);
    expect(session.hung).toBe(false);
    expect(session.out).toContain('"id":99');
    expect(session.code).toBe(0);
    expect(session.err).toMatch(/Content-Length of 5000 that runs past its body/);
  });

  test('garbage, a non-numeric length and bodies that are not JSON leave the server answering', async () => {
    const session = await rawSession([
      'hello there\r\n\r\n',
      'Content-Length: abc\r\n\r\n{}',
      frame('{not json'),
      frame('null'),
      message({ id: 7, method: 'textDocument/documentSymbol', params: { textDocument: { uri: 'file:///x.aria' } } }),
    ]);
    expect(session.hung).toBe(false);
    expect(session.out).toContain('"id":7,"result":[]');
    expect(session.out).toContain('"id":99');
    expect(session.code).toBe(0);
    expect(session.err).toMatch(/dropped a message that is not JSON/);
  });
});

describe('FrameGuard', () => {
  /** Feeds `input` to a guard in chunks of `size` bytes; returns what it passed on and what it logged. */
  async function guardOf(input: string, size: number): Promise<{ passed: string; logged: string[] }> {
    const logged: string[] = [];
    const guard = new FrameGuard(m => logged.push(m));
    const sink = new PassThrough();
    guard.pipe(sink);
    let passed = '';
    sink.on('data', d => (passed += String(d)));
    const bytes = Buffer.from(input);
    for (let i = 0; i < bytes.length; i += size) guard.write(bytes.subarray(i, i + size));
    guard.end();
    await new Promise(r => sink.on('end', r));
    return { passed, logged };
  }

  test('well-formed frames pass through unchanged however they are cut', async () => {
    const input = [message({ id: 1, method: 'a', params: { text: 'Content-Length: 3\\r\\n inside a string' } }), message({ id: 2, method: 'b' })].join('');
    for (const size of [1, 2, 7, 40, 1000]) {
      const { passed, logged } = await guardOf(input, size);
      expect(passed).toBe(input);
      expect(logged).toEqual([]);
    }
  });

  test('broken frames are dropped and the good ones after them kept, however the bytes are cut', async () => {
    const good = [message({ id: 1, method: 'a' }), message({ id: 2, method: 'b' })];
    const input = `X-Nope: 1\r\n\r\n{}${good[0]}Content-Length: 900\r\n\r\n{"id":3}${good[1]}`;
    for (const size of [1, 3, 16, 64, 4096]) {
      const { passed, logged } = await guardOf(input, size);
      expect(passed).toBe(good.join(''));
      expect(logged).toHaveLength(2);
    }
  });
});

let client: LspClient;
const dir = resolve(REPO, 'examples');
beforeAll(async () => {
  client = await LspClient.start({ root: dir });
});
afterAll(async () => {
  await client?.stop();
});

describe('positions that are not integers', () => {
  test('a request with a fractional or negative position answers InvalidParams naming the field', async () => {
    const uri = fileUri('/tmp/aria-hostile/pos.aria');
    await client.open(uri, 'x = 1\nprint(x)\n');
    const error = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0.5 } }).catch((e: { code: number; message: string }) => e);
    expect(error).toMatchObject({ code: -32602 });
    expect((error as { message: string }).message).toMatch(/position\.character must be a non-negative integer, not 0\.5/);
    const negative = await client.request('textDocument/selectionRange', { textDocument: { uri }, positions: [{ line: -1, character: 0 }] }).catch((e: { code: number }) => e);
    expect(negative).toMatchObject({ code: -32602 });
    const range = await client.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: '2', character: 0 } } }).catch((e: { code: number }) => e);
    expect(range).toMatchObject({ code: -32602 });
  });

  test('a didChange with a fractional position is refused whole: later spans stay exact', async () => {
    const uri = fileUri('/tmp/aria-hostile/change.aria');
    const text = 'x = 1\nprint(y)\n';
    await client.open(uri, text);
    const before = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0);
    await client.change(uri, [{ range: { start: { line: 1, character: 0.5 }, end: { line: 1, character: 0.5 } }, text: 'abc' }]);
    // An ordinary edit after it: `y` is still where the client thinks it is.
    await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# c\n' }]);
    const after = await client.waitForDiagnostics(uri, d => d.version === 3);
    expect(after.length).toBe(before.length);
    expect(after[0]!.range).toEqual({ start: { line: 2, character: 6 }, end: { line: 2, character: 7 } });
    expect(client.logs.some(l => /didChange .* refused: contentChanges\[0\]\.range\.start\.character must be a non-negative integer/.test(l))).toBe(true);
  });
});

describe('long lines and deep nesting', () => {
  test('completion at the end of a 160,000-character line answers (the member pattern was quadratic: 57 s)', async () => {
    const uri = fileUri('/tmp/aria-hostile/long.aria');
    const line = `x = ${'a'.repeat(160_000)}`;
    await client.open(uri, `${line}\n`);
    const answer = await client.request<{ items: unknown[] }>('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: line.length } });
    expect(Array.isArray(answer.items)).toBe(true);
    const afterDot = await client.request<{ items: unknown[] }>('textDocument/signatureHelp', { textDocument: { uri }, position: { line: 0, character: line.length } });
    expect(afterDot).toBeNull();
  });

  test('the member scan agrees with the pattern it replaced on short lines', () => {
    const pattern = (prefix: string) => {
      const m = /([A-Za-z_][A-Za-z0-9_]*|\d+|[)\]])\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)?$/.exec(prefix) ?? /^\s*\.([A-Za-z_][A-Za-z0-9_]*)?$/.exec(prefix);
      return m ? (m.length === 3 ? m[1]! : ')') : undefined;
    };
    const next = rng(16);
    const alphabet = ['a', 'Z', '_', '1', '9', '.', ' ', ')', ']', '(', '\t', 'x'];
    let checked = 0;
    for (let n = 0; n < 20_000; n++) {
      let prefix = '';
      for (let i = Math.floor(next() * 9); i > 0; i--) prefix += alphabet[Math.floor(next() * alphabet.length)];
      expect(memberObject(prefix), JSON.stringify(prefix)).toBe(pattern(prefix));
      if (pattern(prefix) !== undefined) checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  test('selectionRange at the centre of 5,000 nested parentheses and foldingRange on 10,000 answer', async () => {
    const uri = fileUri('/tmp/aria-hostile/deep.aria');
    const depth = 5000;
    await client.open(uri, `x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`);
    const ranges = await client.request<{ range: unknown; parent?: unknown }[]>('textDocument/selectionRange', { textDocument: { uri }, positions: [{ line: 0, character: 4 + depth }] });
    expect(ranges).toHaveLength(1);
    let levels = 0;
    for (let r: { parent?: unknown } | undefined = ranges[0]; r; r = r.parent as { parent?: unknown } | undefined) levels++;
    expect(levels).toBeGreaterThan(10);
    const folded = fileUri('/tmp/aria-hostile/deep-fold.aria');
    const lines = Array.from({ length: 10_000 }, () => '[').join('\n');
    await client.open(folded, `x = ${lines}\n1${']'.repeat(10_000)}\n`);
    const folds = await client.request<unknown[]>('textDocument/foldingRange', { textDocument: { uri: folded } });
    expect(folds.length).toBeGreaterThan(100);
    expect(client.logs.filter(l => /failed/.test(l))).toEqual([]);
  });
});
