// End-to-end over stdio: completion (and resolve), signature help, code actions (applied and re-checked), inlay hints, code lens, call hierarchy.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, CodeAction, CodeLens, CompletionItem,
  CompletionList, Diagnostic, InlayHint, SignatureHelp, TextEdit,
} from 'vscode-languageserver-protocol';
import { LspClient, fileUri, positionOf } from './lsp-client.js';

const source = [
  'effect Log {',                                   // 0
  '  fn log(message: String) -> Unit',              // 1
  '  fn flush() -> Unit',                           // 2
  '}',                                              // 3
  'handler Console(prefix: String = "") for Log {', // 4
  '  fn log(message) = print(message)',             // 5
  '}',                                              // 6
  'fn helper(x: Int, y: Int)',                      // 7
  '  Log.log("x")',                                 // 8
  '  x + y',                                        // 9
  'end',                                            // 10
  'fn work() -> {Async} Int',                       // 11
  '  Cancel.check()',                               // 12
  '  sleep(1.ms)',                                  // 13
  '  1',                                            // 14
  'end',                                            // 15
  'fn unused() -> {IO, Async} Unit',                // 16
  '  sleep(1.ms)',                                  // 17
  'end',                                            // 18
  'with Console(prefix: ">")',                      // 19
  '  helper(1, 2)',                                 // 20
  'end',                                            // 21
  'Cancel.check()',                                 // 22
  '',
].join('\n');

let client: LspClient;
const uri = fileUri('/tmp/aria-editing/main.aria');
let diagnostics: Diagnostic[];

beforeAll(async () => {
  client = await LspClient.start({ root: '/tmp/aria-editing' });
  await client.open(uri, source);
  diagnostics = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0);
});
afterAll(async () => {
  await client?.stop();
});

/** Applies LSP text edits to a text (edits given against the original, applied from the end). */
function apply(text: string, edits: readonly TextEdit[]): string {
  const offset = (p: { line: number; character: number }) => text.split('\n').slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

/** Opens `text` as a fresh document and returns its diagnostic codes by line. */
let scratch = 0;
async function check(text: string): Promise<string[]> {
  const u = fileUri(`/tmp/aria-editing/scratch-${scratch++}.aria`);
  await client.open(u, text);
  const d = await client.waitForDiagnostics(u, x => x.version === 1);
  return d.map(x => `${x.range.start.line}:${String(x.code)}`);
}

async function completeAt(text: string, line: number, character: number): Promise<CompletionItem[]> {
  const u = fileUri(`/tmp/aria-editing/complete-${scratch++}.aria`);
  await client.open(u, text);
  const list = await client.request<CompletionList>('textDocument/completion', { textDocument: { uri: u }, position: { line, character } });
  return list.items;
}

describe('completion', () => {
  test('operations after `Effect.`, with snippets', async () => {
    const items = await completeAt(`${source}with Console()\n  Log.\nend\n`, 24, 6);
    expect(items.map(i => i.label).sort()).toEqual(['flush', 'log']);
    expect(items.find(i => i.label === 'log')!.insertText).toBe('log(${1:message})$0');
  });

  test('built-in operations and handlers after `Cancel.`', async () => {
    const labels = (await completeAt('x = Cancel.\n', 0, 11)).map(i => i.label);
    expect(labels).toEqual(expect.arrayContaining(['check', 'token', 'timeout']));
  });

  test('effect names (and bound row variables) inside a row', async () => {
    const items = await completeAt(`${source}fn g(f: () -> {e} Unit) -> {IO, \n`, 23, 32);
    const labels = items.map(i => i.label);
    expect(labels).toEqual(expect.arrayContaining(['Async', 'IO', 'Cancel', 'Blocking', 'Log', 'e']));
    expect(labels).not.toContain('helper');
  });

  test('handlers after `with `', async () => {
    const items = await completeAt(`${source}with \n`, 23, 5);
    const labels = items.map(i => i.label);
    expect(labels).toEqual(expect.arrayContaining(['Async.default', 'Cancel.timeout', 'Async.scope', 'Console']));
    expect(labels).not.toContain('helper');
    expect(items.find(i => i.label === 'Cancel.timeout')!.insertText).toBe('Cancel.timeout(${1:1.seconds})');
  });

  test('named arguments of the call around the cursor, then locals, functions and keywords', async () => {
    const items = await completeAt(`${source}with Console(\n`, 23, 13);
    expect(items.map(i => i.label)).toContain('prefix:');
    const general = (await completeAt(`fn f(alpha)\n  beta = 1\n  \nend\n`, 2, 2)).map(i => i.label);
    expect(general).toEqual(expect.arrayContaining(['alpha', 'beta', 'f', 'print', 'if', 'while', 'return']));
  });

  test('nothing inside comments and strings; duration units after a number', async () => {
    expect(await completeAt('# a comment \n', 0, 12)).toEqual([]);
    expect(await completeAt('x = "text \n', 0, 10)).toEqual([]);
    expect((await completeAt('sleep(5.)\n', 0, 8)).map(i => i.label)).toEqual(expect.arrayContaining(['ms', 'seconds']));
  });

  test('resolve adds documentation', async () => {
    const items = await completeAt('pri\n', 0, 3);
    const print = items.find(i => i.label === 'print')!;
    const resolved = await client.request<CompletionItem>('completionItem/resolve', print);
    expect((resolved.documentation as { value: string }).value).toContain('Writes the values');
  });
});

describe('signature help', () => {
  test('active parameter by position and by name, for user functions, handlers and built-ins', async () => {
    const u = fileUri('/tmp/aria-editing/sig.aria');
    const text = `${source}helper(1, \nwith Console(prefix: \nsleep(\n`;
    await client.open(u, text);
    const help = async (line: number, character: number) => client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: u }, position: { line, character } });
    const h1 = await help(23, 10);
    expect(h1.signatures[0]!.label).toBe('fn helper(x: Int, y: Int)');
    expect(h1.activeParameter).toBe(1);
    const h2 = await help(24, 21);
    expect(h2.signatures[0]!.label).toBe('Console(prefix: String = "") for Log');
    expect(h2.activeParameter).toBe(0);
    const h3 = await help(25, 6);
    expect(h3.signatures[0]!.label).toBe('sleep(duration: Duration) -> Unit');
  });
});

describe('code actions', () => {
  async function actionsFor(code: string): Promise<CodeAction[]> {
    const d = diagnostics.filter(x => x.code === code);
    expect(d.length).toBeGreaterThan(0);
    return client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d[0]!.range, context: { diagnostics: d } });
  }

  test('add the missing effect to the row, and the error goes away', async () => {
    const actions = await actionsFor('E0202');
    const add = actions.find(a => a.title === 'Add `Cancel` to the row of `work`')!;
    expect(add.isPreferred).toBe(true);
    const fixed = apply(source, add.edit!.changes![uri]!);
    expect(fixed.split('\n')[11]).toBe('fn work() -> {Async, Cancel} Int');
    expect(await check(fixed)).not.toContain('12:E0202');
  });

  test('remove an unused effect', async () => {
    const actions = await actionsFor('W0201');
    const fixed = apply(source, actions[0]!.edit!.changes![uri]!);
    expect(fixed.split('\n')[16]).toBe('fn unused() -> {Async} Unit');
    expect(await check(fixed)).not.toContain('16:W0201');
  });

  test('wrap the call in a handler', async () => {
    const actions = await actionsFor('E0203');
    const wrap = actions.find(a => a.title === 'Wrap in `with Cancel.timeout(1.seconds)`')!;
    const fixed = apply(source, wrap.edit!.changes![uri]!);
    expect(fixed.split('\n').slice(22, 25)).toEqual(['with Cancel.timeout(1.seconds)', '  Cancel.check()', 'end']);
    expect((await check(fixed)).filter(c => c.endsWith('E0203'))).toEqual([]);
  });

  test('add the missing operations to a handler', async () => {
    const actions = await actionsFor('E0206');
    const fixed = apply(source, actions[0]!.edit!.changes![uri]!);
    expect(fixed.split('\n')[6]).toBe('  fn flush() = panic("Console.flush is not implemented")');
    expect((await check(fixed)).filter(c => c.endsWith('E0206'))).toEqual([]);
  });
});

describe('inlay hints and code lens', () => {
  const range = { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } };

  test('the inferred row of a function without one, insertable; functions with a row get none', async () => {
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    expect(hints).toHaveLength(1);
    // With the return type (aria.inlayHints.returnTypes), as one hint: test/server/type-features.test.ts.
    expect(hints[0]!.label).toBe('-> {Log} Int');
    expect(hints[0]!.position).toEqual(positionOf(source, '(x: Int, y: Int)', 0, 16));
    const inserted = apply(source, hints[0]!.textEdits!);
    expect(inserted.split('\n')[7]).toBe('fn helper(x: Int, y: Int) -> {Log} Int');
  });

  test('each kind of hint follows its setting', async () => {
    client.settings = { inlayHints: { inferredRows: false, parameterNames: true, returnTypes: false, bindingTypes: false, parameterTypes: false } };
    await client.notify('workspace/didChangeConfiguration', { settings: { aria: client.settings } });
    await new Promise(r => setTimeout(r, 300));
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    expect(hints.map(h => h.label)).toEqual(['x:', 'y:']);
    client.settings = {};
    await client.notify('workspace/didChangeConfiguration', { settings: { aria: {} } });
    await new Promise(r => setTimeout(r, 300));
  });

  test('Run | Debug above the first top-level statement', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    expect(lenses.map(l => [l.command!.command, l.range.start.line, l.command!.arguments])).toEqual([
      ['aria.run', 19, [uri]], ['aria.debug', 19, [uri]],
    ]);
    expect(await check('fn lib() = 1\n')).toEqual([]);
    const u = fileUri(`/tmp/aria-editing/scratch-${scratch - 1}.aria`);
    expect(await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: u } })).toEqual([]);
  });
});

describe('call hierarchy', () => {
  test('incoming calls of a function, and outgoing calls of the program', async () => {
    const [item] = await client.request<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: positionOf(source, 'fn helper', 0, 4) });
    expect(item!.name).toBe('helper');
    const incoming = await client.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
    expect(incoming.map(c => [c.from.name, c.fromRanges[0]!.start.line])).toEqual([['(program)', 20]]);
    const [program] = await client.request<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', { textDocument: { uri }, position: { line: 19, character: 1 } });
    expect(program!.name).toBe('(program)');
    const outgoing = await client.request<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item: program });
    expect(outgoing.map(c => [c.to.name, c.fromRanges[0]!.start.line])).toContainEqual(['helper', 20]);
  });
});
