// Broken code never kills the server and every request answers; cancelled requests answer RequestCancelled.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { LspClient, REPO, fileUri } from './lsp-client.js';
import { Cancelled, cancellationCheck, guarded, type ServerContext } from '../../server/context.js';

const examples = resolve(REPO, 'examples');
const sources = readdirSync(examples).filter(n => n.endsWith('.aria')).sort().map(n => readFileSync(resolve(examples, n), 'utf8'));

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Broken variants of the examples: truncated, with a slice deleted, with tokens thrown in. */
function brokenInputs(count: number): string[] {
  const next = random(20261128);
  const noise = ['(', ')', 'end', 'fn', '{', '}', '|', 'with', '"', '#{', '->', '.', ',', 'match', 'case', '=>', '\n'];
  return Array.from({ length: count }, (_, i) => {
    const text = sources[i % sources.length]!;
    const at = Math.floor(next() * text.length);
    switch (i % 3) {
      case 0: return text.slice(0, at);
      case 1: return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(next() * 40)));
      default: return text.slice(0, at) + noise[Math.floor(next() * noise.length)] + text.slice(at);
    }
  });
}

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start({ root: examples });
});
afterAll(async () => {
  await client?.stop();
});

describe('broken code', () => {
  test('every request answers on broken documents and the server stays up', async () => {
    const inputs = brokenInputs(24);
    const next = random(7);
    let requests = 0;
    for (const [i, text] of inputs.entries()) {
      const uri = fileUri(`/tmp/aria-broken/case-${i}.aria`);
      await client.open(uri, text);
      const lines = text.split('\n');
      const positions = Array.from({ length: 4 }, () => {
        const line = Math.floor(next() * lines.length);
        return { line, character: Math.floor(next() * ((lines[line]?.length ?? 0) + 1)) };
      });
      const td = { textDocument: { uri } };
      const all: Promise<unknown>[] = [
        client.request('textDocument/documentSymbol', td),
        client.request('textDocument/foldingRange', td),
        client.request('textDocument/semanticTokens/full', td),
        client.request('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } }),
        client.request('textDocument/codeLens', td),
        client.request('textDocument/inlayHint', { ...td, range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } } }),
        client.request('textDocument/selectionRange', { ...td, positions }),
        client.request('textDocument/diagnostic', td).catch(() => null),
      ];
      for (const position of positions) {
        const p = { ...td, position };
        all.push(
          client.request('textDocument/hover', p),
          client.request('textDocument/definition', p),
          client.request('textDocument/references', { ...p, context: { includeDeclaration: true } }),
          client.request('textDocument/documentHighlight', p),
          client.request('textDocument/completion', p),
          client.request('textDocument/signatureHelp', p),
          client.request('textDocument/implementation', p),
          client.request('textDocument/prepareCallHierarchy', p),
          client.request('aria/handlersFor', p),
          client.request('aria/dischargedBy', p),
          client.request('aria/explainEffect', p),
          client.request('textDocument/codeAction', { ...td, range: { start: position, end: position }, context: { diagnostics: [] } }),
          // Renaming may be refused (an error answer is an answer).
          client.request('textDocument/prepareRename', p).catch((e: unknown) => e),
        );
      }
      requests += all.length;
      const answers = await Promise.all(all);
      expect(answers).toHaveLength(all.length);
    }
    expect(requests).toBeGreaterThan(1000);
    expect(client.child.exitCode).toBeNull();
    expect(client.logs.filter(l => l.includes('failed'))).toEqual([]);
    // Still serving.
    const uri = fileUri('/tmp/aria-broken/fine.aria');
    await client.open(uri, 'fn f() = print(1)\n');
    expect(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 10 } })).not.toBeNull();
  });

  test('requests about a document the server never saw answer empty', async () => {
    const td = { textDocument: { uri: 'file:///nowhere/ghost.aria' } };
    expect(await client.request('textDocument/hover', { ...td, position: { line: 0, character: 0 } })).toBeNull();
    expect(await client.request('textDocument/documentSymbol', td)).toEqual([]);
    expect(await client.request('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});

describe('cancellation', () => {
  test('a request cancelled as it is sent answers RequestCancelled', async () => {
    const uri = fileUri('/tmp/aria-broken/cancel.aria');
    await client.open(uri, 'fn f() = print(1)\n');
    // The cancel notification races the request: when the server reads it only after answering, the answer is an
    // ordinary hover. So: every answer must be a hover or RequestCancelled, and at least one of a few must be the
    // latter (each attempt writes the two messages back to back, so the server nearly always reads them together).
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 8 && !outcomes.includes('cancelled'); attempt++) {
      const source = new CancellationTokenSource();
      const pending = client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 10 } }, source.token);
      source.cancel();
      outcomes.push(await pending.then(
        answer => (answer === null || typeof answer === 'object' ? 'answered' : `odd answer ${String(answer)}`),
        (error: { code?: number }) => (error.code === -32800 ? 'cancelled' : `error ${error.code}`),
      ));
    }
    expect(outcomes.every(o => o === 'answered' || o === 'cancelled'), outcomes.join(', ')).toBe(true);
    expect(outcomes).toContain('cancelled');
  });

  test('long work notices a cancellation that arrives while it runs', async () => {
    const logged: string[] = [];
    const ctx = { connection: { console: { error: (m: string) => logged.push(m) } } } as unknown as ServerContext;
    let cancelled = false;
    const token = { get isCancellationRequested() { return cancelled; }, onCancellationRequested: () => ({ dispose() {} }) };
    let iterations = 0;
    const handler = guarded(ctx, 'long', 'fallback', async () => {
      const check = cancellationCheck(token, 4);
      for (let i = 0; i < 1000; i++) {
        iterations++;
        if (i === 10) cancelled = true;
        await check();
      }
      return 'done';
    });
    const answer = await handler(undefined, token);
    expect(answer).toMatchObject({ code: -32800, message: 'long cancelled' });
    expect(iterations).toBe(11);
    expect(logged).toEqual([]);
    expect(new Cancelled().message).toBe('request cancelled');
  });

  test('an exception in a handler is logged and answers the fallback', async () => {
    const logged: string[] = [];
    const ctx = { connection: { console: { error: (m: string) => logged.push(m) } } } as unknown as ServerContext;
    const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
    const handler = guarded(ctx, 'broken', [] as string[], () => { throw new Error('boom'); });
    expect(await handler(undefined, token)).toEqual([]);
    expect(logged[0]).toMatch(/^broken failed: Error: boom/);
  });
});
