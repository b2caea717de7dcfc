// End-to-end over stdio: start-up, incremental sync with incremental reparsing, diagnostics pushed on open and change.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolve } from 'node:path';
import { LspClient, REPO, fileUri } from './lsp-client.js';

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start({ root: resolve(REPO, 'examples') });
});
afterAll(async () => {
  await client?.stop();
});

describe('text sync and diagnostics', () => {
  test('initialize announces incremental sync', () => {
    expect(client.initializeResult?.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
    expect(client.initializeResult?.serverInfo?.name).toBe('aria-language-server');
  });

  test('a syntax error is reported on open and cleared by an incremental edit', async () => {
    const uri = fileUri('/tmp/aria-sync/broken.aria');
    await client.open(uri, 'fn f(x) -> {IO} Unit\n  print(x +)\nend\n');
    const first = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0);
    expect(first[0]!.range.start.line).toBe(1);
    expect(first[0]!.source).toBe('aria');
    // Replace `+)` with `+ 1)` in place.
    await client.change(uri, [{ range: { start: { line: 1, character: 11 }, end: { line: 1, character: 12 } }, text: ' 1)' }]);
    const second = await client.waitForDiagnostics(uri, d => d.version === 2);
    expect(second).toEqual([]);
  });

  test('several changes in one notification apply in order', async () => {
    const uri = fileUri('/tmp/aria-sync/multi.aria');
    await client.open(uri, 'x = 1\n');
    await client.change(uri, [
      { range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, text: '(' },
      { range: { start: { line: 0, character: 5 }, end: { line: 0, character: 5 } }, text: '2' },
    ]);
    const broken = await client.waitForDiagnostics(uri, d => d.version === 2);
    expect(broken.length).toBeGreaterThan(0);
    await client.change(uri, [{ range: { start: { line: 0, character: 6 }, end: { line: 0, character: 6 } }, text: ')' }]);
    expect(await client.waitForDiagnostics(uri, d => d.version === 3)).toEqual([]);
  });
});

describe('incremental edits', () => {
  test('after many small edits the server sees exactly what a fresh open of the same text sees', async () => {
    const { readFileSync } = await import('node:fs');
    const original = readFileSync(resolve(REPO, 'examples/log-effect.aria'), 'utf8');
    const uri = fileUri('/tmp/aria-sync/edited.aria');
    await client.open(uri, original);
    let text = original;
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const position = (offset: number) => {
      const before = text.slice(0, offset);
      return { line: before.split('\n').length - 1, character: offset - (before.lastIndexOf('\n') + 1) };
    };
    const pieces = ['x', ' ', '\n', '(', ')', 'end', 'Log.log("a")', '# note', 'é', '😀'];
    let version = 1;
    for (let i = 0; i < 60; i++) {
      const start = Math.floor(next() * text.length);
      const end = Math.min(text.length, start + Math.floor(next() * 6));
      const insert = next() < 0.5 ? pieces[Math.floor(next() * pieces.length)]! : '';
      const range = { start: position(start), end: position(end) };
      text = text.slice(0, start) + insert + text.slice(end);
      version = await client.change(uri, [{ range, text: insert }]);
    }
    const edited = await client.waitForDiagnostics(uri, d => d.version === version);
    const freshUri = fileUri('/tmp/aria-sync/fresh.aria');
    await client.open(freshUri, text);
    const fresh = await client.waitForDiagnostics(freshUri, d => d.version === 1);
    expect(edited).toEqual(fresh);
    const symbols = async (u: string) => client.request('textDocument/documentSymbol', { textDocument: { uri: u } });
    expect(await symbols(uri)).toEqual(await symbols(freshUri));
    const tokens = async (u: string) => (await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri: u } })).data;
    expect(await tokens(uri)).toEqual(await tokens(freshUri));
  });
});

describe('node IPC transport', () => {
  test('the server answers initialize and publishes diagnostics over --node-ipc', async () => {
    const { spawn } = await import('node:child_process');
    const { IPCMessageReader, IPCMessageWriter, createMessageConnection } = await import('vscode-jsonrpc/node');
    const { serverCommand } = await import('./lsp-client.js');
    const [command, ...args] = serverCommand();
    const child = spawn(command!, args.map(a => (a === '--stdio' ? '--node-ipc' : a)), { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    try {
      const published = new Promise<{ uri: string; diagnostics: unknown[] }>(done => {
        connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => { if (p.diagnostics.length) done(p); });
      });
      connection.listen();
      const result = await connection.sendRequest<{ serverInfo: { name: string } }>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
      expect(result.serverInfo.name).toBe('aria-language-server');
      await connection.sendNotification('initialized', {});
      const uri = fileUri('/tmp/aria-ipc/a.aria');
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'aria', version: 1, text: 'fn f() -> {} Unit\n  print(1)\nend\n' } });
      const p = await published;
      expect(p.uri).toBe(uri);
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      child.kill();
    }
  });
});

describe('aria.diagnostics.debounceMs', () => {
  const window = 1500;
  let slow: LspClient;
  beforeAll(async () => {
    slow = await LspClient.start({ root: resolve(REPO, 'examples'), settings: { diagnostics: { debounceMs: window } } });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  test('a burst of changes ends with a report of the last text, never more reports than changes', async () => {
    const uri = fileUri('/tmp/aria-sync/burst.aria');
    await slow.open(uri, 'x = 1\nprint(x)\n');
    await slow.waitForDiagnostics(uri, d => d.version === 1);
    const before = slow.publishLog.length;
    let version = 1;
    for (const text of ['2', '3', '(']) {
      version = await slow.change(uri, [{ range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, text }]);
    }
    const last = await slow.waitForDiagnostics(uri, d => d.version === version, true, 10_000);
    expect(last.length).toBeGreaterThan(0); // `x = (` is broken: the last text was checked
    // Gathered or not (that depends on how fast the checks are), never more reports than changes, in order.
    const versions = slow.publishLog.slice(before).filter(p => p.uri === uri).map(p => p.version!);
    expect(versions.length).toBeLessThanOrEqual(3);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    // When each check may start is the throttle's decision, tested on an injected clock in check-throttle.test.ts.
  });
});
