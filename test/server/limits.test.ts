// Documents past the server's size limits, over JSON-RPC on stdio: a diagnostic that says so, syntax services only
// (or none), and the state let go on close.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHECKED_CHARS, PARSED_CHARS } from '../../server/analyzer.js';
import { LspClient, fileUri } from './lsp-client.js';

interface Stats {
  files: number;
  open: number;
  openChars: number;
  trees: number;
  checkerFiles: number;
  tiers: { checked: number; syntax: number; none: number };
}

let client: LspClient;
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aria-limits-'));
  writeFileSync(join(dir, 'small.aria'), 'fn double(x: Int) -> Int = x * 2\nprint(double(2))\n');
  // A closed workspace file past the checker's limit: the scan does not read it.
  writeFileSync(join(dir, 'huge-on-disk.aria'), `# big\n${'x = 1\n'.repeat(Math.ceil(CHECKED_CHARS / 6) + 10)}`);
  client = await LspClient.start({ root: dir });
  await client.waitForProgress(p => (p as { value: { kind: string } }).value.kind === 'end', 60_000);
}, 90_000);
afterAll(async () => {
  await client?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What the server holds (its memory figures left out: tests do not assert on memory). */
const stats = async (): Promise<Stats> => {
  const { memoryMb, ...held } = await client.request<Stats & { memoryMb: unknown }>('aria/serverStats', null);
  expect(memoryMb).toBeDefined();
  return held;
};

/** A realistic file of about `chars` characters: functions, a struct, folding blocks. */
function program(chars: number): string {
  const unit = (i: number) => `struct Point${i}(x: Int, y: Int)\n\nfn area${i}(p: Point${i}) -> Int\n  if p.x > 0\n    p.x * p.y\n  else\n    0\n  end\nend\n\n`;
  let text = '';
  for (let i = 0; text.length < chars; i++) text += unit(i);
  return text;
}

describe('size limits', () => {
  test('a closed workspace file past the checker limit is not read by the scan', async () => {
    const s = await stats();
    expect(s.files).toBe(1);
    expect(s.checkerFiles).toBe(1);
  });

  test('a 50 MB document gets one diagnostic, no analysis, and is let go on close', async () => {
    const before = await stats();
    const uri = fileUri(join(dir, 'fifty.aria'));
    const text = program(50 * 1024 * 1024);
    await client.open(uri, text);
    const diagnostics = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0, false, 60_000);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toMatch(/^this file is 52,4\d\d,\d\d\d characters \(50\.0 MB\): files over 4\.0 MB are not analysed at all/);
    const held = await stats();
    expect(held.tiers.none).toBe(1);
    expect(held.openChars).toBe(before.openChars + text.length);
    expect(held.trees).toBe(before.trees);
    expect(held.checkerFiles).toBe(before.checkerFiles);
    const td = { textDocument: { uri } };
    expect(await client.request('textDocument/hover', { ...td, position: { line: 2, character: 4 } })).toBeNull();
    expect(await client.request('textDocument/foldingRange', td)).toEqual([]);
    expect(await client.request('textDocument/documentSymbol', td)).toEqual([]);
    expect(await client.request('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    expect(await client.request('textDocument/completion', { ...td, position: { line: 2, character: 4 } })).toBeNull();
    // An edit applies (the text is kept), and the diagnostic follows the version.
    await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }]);
    await client.waitForDiagnostics(uri, d => d.version === 2, false, 60_000);
    expect((await stats()).openChars).toBe(before.openChars + text.length + 9);
    await client.close(uri);
    await client.waitForDiagnostics(uri, d => d.diagnostics.length === 0, true, 60_000);
    expect(await stats()).toEqual(before);
  }, 180_000);

  test('a 1.5 MB document gets syntax services only; edited below the limit it is checked, and back', async () => {
    const before = await stats();
    const uri = fileUri(join(dir, 'big.aria'));
    const text = program(1.5 * 1024 * 1024);
    expect(text.length).toBeGreaterThan(CHECKED_CHARS);
    expect(text.length).toBeLessThan(PARSED_CHARS);
    await client.open(uri, text);
    const diagnostics = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0, false, 60_000);
    expect(diagnostics.map(d => d.message)).toEqual([expect.stringMatching(/files over 1\.0 MB get syntax services only/)]);
    const td = { textDocument: { uri } };
    expect((await client.request<unknown[]>('textDocument/foldingRange', td)).length).toBeGreaterThan(1000);
    expect((await client.request<{ name: string }[]>('textDocument/documentSymbol', td)).slice(0, 2).map(s => s.name)).toEqual(['Point0', 'area0']);
    expect(await client.request('textDocument/hover', { ...td, position: { line: 2, character: 4 } })).toBeNull();
    expect(await client.request('textDocument/inlayHint', { ...td, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } })).toEqual([]);
    let s = await stats();
    expect(s.tiers.syntax).toBe(1);
    expect(s.checkerFiles).toBe(before.checkerFiles);
    // Replaced by a small file with a type error: the checker takes it and reports the error.
    await client.change(uri, [{ text: 'fn f(a: Int) -> Int = a\nprint(f("two"))\n' }]);
    const checked = await client.waitForDiagnostics(uri, d => d.version === 2, false, 60_000);
    expect(checked.map(d => d.message).join('\n')).not.toMatch(/syntax services only/);
    expect(checked.length).toBeGreaterThan(0);
    expect((await stats()).checkerFiles).toBe(before.checkerFiles + 1);
    // Grown past the limit again by an edit: the checker lets it go.
    await client.change(uri, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text }]);
    const again = await client.waitForDiagnostics(uri, d => d.version === 3, false, 60_000);
    expect(again.map(d => d.message)).toEqual([expect.stringMatching(/get syntax services only/)]);
    s = await stats();
    expect(s.checkerFiles).toBe(before.checkerFiles);
    await client.close(uri);
    expect(await stats()).toEqual(before);
  }, 180_000);
});
