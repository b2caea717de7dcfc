// End-to-end over stdio: definition, references, highlights, rename and symbols, within a file and across imports.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DocumentHighlight, DocumentSymbol, Location, SymbolInformation, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { LspClient, REPO, fileUri, positionOf } from './lsp-client.js';

const examples = resolve(REPO, 'examples');
const logPath = resolve(examples, 'log-effect.aria');
const importPath = resolve(examples, 'import-modules.aria');
const geometryPath = resolve(examples, 'lib/geometry.aria');
const logText = readFileSync(logPath, 'utf8');
const importText = readFileSync(importPath, 'utf8');
const geometryText = readFileSync(geometryPath, 'utf8');
const logUri = fileUri(logPath);
const importUri = fileUri(importPath);
const geometryUri = fileUri(geometryPath);

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start({ root: examples });
  await client.open(logUri, logText);
  await client.open(importUri, importText);
  await client.waitForDiagnostics(importUri);
});
afterAll(async () => {
  await client?.stop();
});

const lineOf = (text: string, needle: string, n = 0) => positionOf(text, needle, n).line;

describe('navigation', () => {
  test('definition of a function call goes to its declaration', async () => {
    const locs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: logUri }, position: positionOf(logText, 'transfer("alice"', 0, 2) });
    expect(locs).toHaveLength(1);
    expect(locs[0]!.uri).toBe(logUri);
    expect(locs[0]!.range.start).toEqual(positionOf(logText, 'transfer(from'));
  });

  test('definition across an import lands in the imported file', async () => {
    const locs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: importUri }, position: positionOf(importText, 'geometry.distance', 0, 10) });
    expect(locs[0]!.uri).toBe(geometryUri);
    expect(locs[0]!.range.start.line).toBe(lineOf(geometryText, 'fn distance'));
  });

  test('definition of an operation call goes to the operation signature', async () => {
    const locs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: logUri }, position: positionOf(logText, 'Log.warn("amount', 0, 5) });
    expect(locs[0]!.range.start).toEqual(positionOf(logText, 'warn(message: String)'));
  });

  test('references of an operation include handler implementations and every call', async () => {
    const locs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: logUri }, position: positionOf(logText, 'log(message: String)'), context: { includeDeclaration: true },
    });
    const lines = locs.map(l => l.range.start.line).sort((a, b) => a - b);
    // The signature, two handler implementations, the call in Tagged, one in transfer, two at top level.
    expect(lines).toContain(lineOf(logText, 'fn log(message) = print'));
    expect(lines).toContain(lineOf(logText, 'fn log(message) = Log.log'));
    expect(lines).toContain(lineOf(logText, 'Log.log("first transfer'));
    expect(locs).toHaveLength(7);
  });

  test('references of an imported function are found in the importing file', async () => {
    const locs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: importUri }, position: positionOf(importText, 'geometry.point(0', 0, 9), context: { includeDeclaration: true },
    });
    expect(locs.filter(l => l.uri === importUri)).toHaveLength(4);
    expect(locs.filter(l => l.uri === geometryUri)).toHaveLength(1);
  });

  test('highlighting an effect lights up its operations and the rows naming it', async () => {
    const hs = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', { textDocument: { uri: logUri }, position: positionOf(logText, 'effect Log', 0, 8) });
    const lines = new Set(hs.map(h => h.range.start.line));
    expect(lines).toContain(lineOf(logText, '-> {Log} Bool'));          // the row
    expect(lines).toContain(lineOf(logText, 'handler Console'));        // `for Log`
    expect(lines).toContain(lineOf(logText, 'fn log(message) = print')); // an implementation
    const warnCall = positionOf(logText, 'Log.warn("amount', 0, 4);
    expect(hs.some(h => h.range.start.line === warnCall.line && h.range.start.character === warnCall.character)).toBe(true);
  });

  test('rename a local variable', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: logUri }, position: positionOf(logText, 'ok = transfer'), newName: 'fine' });
    const edits = edit.changes![logUri]!;
    expect(edits).toHaveLength(2);
    expect(edits.every(e => e.newText === 'fine')).toBe(true);
  });

  test('rename an effect renames rows, handlers and operation calls across files', async () => {
    const prep = await client.request<{ placeholder: string }>('textDocument/prepareRename', { textDocument: { uri: logUri }, position: positionOf(logText, 'effect Log', 0, 8) });
    expect(prep.placeholder).toBe('Log');
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: logUri }, position: positionOf(logText, 'effect Log', 0, 8), newName: 'Journal' });
    const code = logText.split('\n').filter(l => !l.trimStart().startsWith('#')).join('\n');
    const count = (code.match(/\bLog\b/g) ?? []).length;
    expect(count).toBe(10);
    expect(edit.changes![logUri]).toHaveLength(count);
  });

  test('rename an imported function edits both files; bad names and built-ins are refused', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: importUri }, position: positionOf(importText, 'geometry.tour_length', 0, 10), newName: 'tour' });
    expect(edit.changes![geometryUri]).toHaveLength(1);
    expect(edit.changes![importUri]).toHaveLength(1);
    await expect(client.request('textDocument/rename', { textDocument: { uri: logUri }, position: positionOf(logText, 'ok = transfer'), newName: 'end' })).rejects.toThrow(/not a valid/);
    await expect(client.request('textDocument/prepareRename', { textDocument: { uri: logUri }, position: positionOf(logText, 'print(') })).rejects.toThrow(/built in/);
    await expect(client.request('textDocument/rename', { textDocument: { uri: logUri }, position: positionOf(logText, 'effect Log', 0, 8), newName: 'journal' })).rejects.toThrow(/capitalised/);
  });

  test('document symbols nest operations under their effect and handler', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: logUri } });
    expect(symbols.map(s => s.name)).toEqual(['Log', 'Console', 'Tagged', 'transfer']);
    expect(symbols[0]!.children!.map(c => c.name)).toEqual(['log', 'warn']);
    expect(symbols[3]!.detail).toBe('{Log}');
  });

  test('an enum: its variants nest under it in the outline, a call of a variant goes to it, a hover shows it', async () => {
    const shapesPath = resolve(examples, 'shapes-match.aria');
    const shapesText = readFileSync(shapesPath, 'utf8');
    const shapesUri = fileUri(shapesPath);
    await client.open(shapesUri, shapesText);
    const diagnostics = await client.waitForDiagnostics(shapesUri);
    expect(diagnostics).toEqual([]);
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: shapesUri } });
    const shape = symbols.find(s => s.name === 'Shape')!;
    expect(shape.kind).toBe(10); // SymbolKind.Enum
    expect(shape.children!.map(c => [c.name, c.kind])).toEqual([['Circle', 22], ['Rect', 22], ['Triangle', 22]]); // EnumMember
    expect(shape.children![1]!.children!.map(c => c.name)).toEqual(['width', 'height']);
    const locs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: shapesUri }, position: positionOf(shapesText, 'Rect(3, 4)', 0, 1) });
    expect(locs.map(l => l.range.start)).toEqual([positionOf(shapesText, 'Rect(width: Int')]);
    const typeDef = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: shapesUri }, position: positionOf(shapesText, 'shape: Shape', 0, 8) });
    expect(typeDef.map(l => l.range.start)).toEqual([positionOf(shapesText, 'Shape {')]);
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: shapesUri }, position: positionOf(shapesText, 'case Triangle(b', 0, 6) });
    expect(hover.contents.value).toContain('Shape.Triangle(base: Int, height: Int)');
  });

  test('workspace symbols match fuzzily across every file of the workspace', async () => {
    const found = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'bndbox' });
    expect(found.map(s => s.name)).toContain('bounding_box');
    expect(found.find(s => s.name === 'bounding_box')!.location.uri).toBe(geometryUri);
  });
});
