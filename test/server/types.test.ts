// End-to-end over stdio: what the static types give the editor: hover with the type of locals, parameters,
// lambdas and calls, and a polymorphic callee's row variable at a call.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Hover } from 'vscode-languageserver-protocol';
import { LspClient, REPO, fileUri, positionOf } from './lsp-client.js';

const uri = fileUri('/tmp/aria-types/types.aria');
const text = [
  'struct Job(name: String, run: () -> {IO} Int)',
  '',
  'fn repeat(n: Int, f: (Int) -> {e} Unit) -> {e} Unit',
  '  for i in 0..n',
  '    f(i)',
  '  end',
  'end',
  '',
  'fn twice(x) = x * 2',
  '',
  'jobs = [Job("a", || 1)]',
  'total = twice(jobs[0].run())',
  'repeat(3, |i| print(i))',
  'names = jobs.map(|j| j.name)',
  '',
].join('\n');

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start({ root: REPO });
  await client.open(uri, text);
  await client.waitForDiagnostics(uri);
});
afterAll(async () => {
  await client?.stop();
});

async function hoverText(needle: string, n = 0, delta = 0): Promise<string> {
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, n, delta) });
  return hover ? (hover.contents as { value: string }).value : '';
}

describe('hover shows static types', () => {
  test('a local bound to a list of structs', async () => {
    expect(await hoverText('jobs = ')).toContain('Type: `List[Job]`');
  });
  test('a local whose type comes from a call of an inferred function', async () => {
    expect(await hoverText('total = ')).toContain('Type: `Int`');
  });
  test('an inferred function shows its inferred signature', async () => {
    expect(await hoverText('fn twice', 0, 3)).toContain('Type: `(Int) -> {} Int`');
  });
  test('a parameter of a lambda, typed from the list it maps over', async () => {
    expect(await hoverText('|j|', 0, 1)).toContain('Type: `Job`');
  });
  test('a field holding a function shows its row', async () => {
    expect(await hoverText('run())', 0, 1)).toContain('Type: `() -> {IO} Int`');
  });
  test('the row variable of a polymorphic callee at a call', async () => {
    const value = await hoverText('repeat(3', 0, 2);
    expect(value).toContain('`e = {IO}`');
  });
});
