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
