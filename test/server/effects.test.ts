// End-to-end over stdio: effect features: hover rows and origins, handlers of a call, calls a `with` discharges, explaining an effect.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DocumentHighlight, Hover, Location } from 'vscode-languageserver-protocol';
import { LspClient, REPO, fileUri, positionOf } from './lsp-client.js';

const examples = resolve(REPO, 'examples');
const load = (name: string) => {
  const path = resolve(examples, name);
  return { path, uri: fileUri(path), text: readFileSync(path, 'utf8') };
};
const log = load('log-effect.aria');
const cancel = load('cancellation-timeout.aria');

/** A file whose effect reaches a function through a call chain. */
const chainUri = fileUri('/tmp/aria-effects/chain.aria');
const chainText = [
  'fn step() -> {Cancel} Unit',
  '  Cancel.check()',
  'end',
  'fn middle()',
  '  step()',
  'end',
  'fn outer()',
  '  print("start")',
  '  middle()',
  'end',
  'with Cancel.timeout(1.seconds)',
  '  outer()',
  'end',
  '',
].join('\n');

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start({ root: examples });
  await client.open(log.uri, log.text);
  await client.open(cancel.uri, cancel.text);
  await client.open(chainUri, chainText);
  await client.waitForDiagnostics(chainUri);
});
afterAll(async () => {
  await client?.stop();
});

const at = (doc: { uri: string; text: string }, needle: string, n = 0, delta = 0) =>
  ({ textDocument: { uri: doc.uri }, position: positionOf(doc.text, needle, n, delta) });
const chain = { uri: chainUri, text: chainText };

describe('hover', () => {
  test('a function without a row shows the inferred row and where each effect comes from', async () => {
    const hover = await client.request<Hover>('textDocument/hover', at(chain, 'fn outer', 0, 4));
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('fn outer() -> {Cancel, IO}');
    expect(value).toContain('inferred `{Cancel, IO}`');
    expect(value).toMatch(/\*\*Cancel\*\*: `middle` \(line 9\) → `step` \(line 5\) → `Cancel.check\(\)` \(line 2\)/);
    expect(value).toMatch(/\*\*IO\*\*: `print` \(line 8\)/);
  });

  test('a function with a declared row shows both rows and its doc comment', async () => {
    const hover = await client.request<Hover>('textDocument/hover', at(cancel, 'process_all([1', 0, 2));
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('fn process_all(items: List[Int]) -> {Async, Cancel} Int');
    expect(value).toContain('declared `{Async, Cancel}`, performs `{Async, Cancel}`');
    expect(value).toContain('Processes every item, with a cancellation point before each one.');
  });

  test('built-ins, operations and `with` explain themselves', async () => {
    const print = (await client.request<Hover>('textDocument/hover', at(log, 'print("#{prefix}'))).contents as { value: string };
    expect(print.value).toContain('performs `{IO}`');
    const op = (await client.request<Hover>('textDocument/hover', at(log, 'Log.warn("amount', 0, 5))).contents as { value: string };
    expect(op.value).toContain('fn Log.warn(message: String) -> Unit');
    const withHover = (await client.request<Hover>('textDocument/hover', at(cancel, 'with Cancel.timeout(1.seconds)'))).contents as { value: string };
    expect(withHover.value).toContain('Discharges `Cancel`');
    expect(withHover.value).toContain('`process_all` (Cancel)');
  });
});

describe('effect navigation', () => {
  test('from an operation call to the handler serving it, and to the operation body that runs', async () => {
    const locs = await client.request<Location[]>('textDocument/implementation', at(log, 'Log.log("second', 0, 5));
    expect(locs.map(l => l.range.start.line)).toEqual([positionOf(log.text, 'with Tagged').line, positionOf(log.text, 'fn log(message) = Log.log').line]);
  });

  test('an operation inside a function is served by the handlers around its callers', async () => {
    const handlers = await client.request<{ label: string; effect: string; ambient: boolean; location: Location }[]>('aria/handlersFor', at(log, 'Log.log("transfer', 0, 5));
    expect(handlers.map(h => `${h.label}:${h.location.range.start.line}`)).toEqual([
      `Console:${positionOf(log.text, 'with Console(prefix').line}`,
      `Tagged:${positionOf(log.text, 'with Tagged').line}`,
      `Console:${positionOf(log.text, 'with Console()').line}`,
    ]);
    expect(handlers.every(h => h.effect === 'Log' && !h.ambient)).toBe(true);
  });

  test('IO at the top level is served by the default runtime', async () => {
    const handlers = await client.request<{ label: string; effect: string; ambient: boolean }[]>('aria/handlersFor', at(cancel, 'print("processed'));
    expect(handlers).toEqual([expect.objectContaining({ effect: 'IO', ambient: true })]);
  });

  test('from a `with` to the calls it discharges: custom request, references and highlights', async () => {
    const discharged = await client.request<{ label: string; effect: string; location: Location }[]>('aria/dischargedBy', at(chain, 'with Cancel'));
    expect(discharged.map(d => `${d.label}:${d.effect}:${d.location.range.start.line}`)).toEqual(['outer:Cancel:11']);
    const refs = await client.request<Location[]>('textDocument/references', { ...at(chain, 'with Cancel'), context: { includeDeclaration: false } });
    expect(refs.map(r => r.range.start.line)).toEqual([11]);
    const highlights = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', at(chain, 'with Cancel'));
    expect(highlights.map(h => h.range.start.line)).toEqual([10, 11]);
  });
});

describe('explain an effect', () => {
  interface Explanation { function: string; effect: string; chain: { label: string; uri: string; range: { start: { line: number } } }[]; otherEffects: string[]; text: string }

  test('aria/explainEffect follows the call chain from the function down to the operation', async () => {
    const answer = await client.request<Explanation>('aria/explainEffect', { uri: chainUri, position: positionOf(chainText, 'fn outer', 0, 4), effect: 'Cancel' });
    expect(answer.function).toBe('outer');
    expect(answer.effect).toBe('Cancel');
    expect(answer.chain.map(s => `${s.label}@${s.range.start.line}`)).toEqual(['middle@8', 'step@4', 'Cancel.check()@1']);
    expect(answer.chain.every(s => s.uri === chainUri)).toBe(true);
    expect(answer.otherEffects).toEqual(['IO']);
  });

  test('the aria.explainEffect command answers the same, and from a call site explains that call', async () => {
    const answer = await client.request<Explanation>('workspace/executeCommand', {
      command: 'aria.explainEffect', arguments: [chainUri, positionOf(chainText, 'middle()\nend', 0, 1)],
    });
    expect(answer.function).toBe('middle');
    expect(answer.text).toBe('middle performs Cancel: step (line 5) → Cancel.check() (line 2)');
  });
});
