// End-to-end over stdio: folding, selection ranges, semantic tokens (full and delta) and formatting.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  FoldingRange, InitializeResult, SelectionRange, SemanticTokens, SemanticTokensDelta, SemanticTokensLegend, TextEdit,
} from 'vscode-languageserver-protocol';
import { LspClient, REPO, fileUri, positionOf } from './lsp-client.js';

const logPath = resolve(REPO, 'examples', 'log-effect.aria');
const logText = readFileSync(logPath, 'utf8');
const logUri = fileUri(logPath);

let client: LspClient;
beforeAll(async () => {
  client = await LspClient.start();
  await client.open(logUri, logText);
});
afterAll(async () => {
  await client?.stop();
});

interface Decoded { line: number; character: number; length: number; type: string; modifiers: string[]; text: string }

function decode(data: readonly number[], legend: SemanticTokensLegend, text: string): Decoded[] {
  const lines = text.split('\n');
  const out: Decoded[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i]!;
    character = data[i]! === 0 ? character + data[i + 1]! : data[i + 1]!;
    const modifiers = legend.tokenModifiers.filter((_, bit) => data[i + 4]! & (1 << bit));
    out.push({ line, character, length: data[i + 2]!, type: legend.tokenTypes[data[i + 3]!]!, modifiers, text: lines[line]!.slice(character, character + data[i + 2]!) });
  }
  return out;
}

describe('syntax features', () => {
  test('folding ranges cover items and blocks, keeping `end` visible, and runs of comments', async () => {
    const ranges = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: logUri } });
    const transfer = positionOf(logText, 'fn transfer').line;
    const transferEnd = positionOf(logText, '  true\nend').line + 1;
    expect(ranges).toContainEqual({ startLine: transfer, endLine: transferEnd - 1 });
    expect(ranges).toContainEqual({ startLine: 0, endLine: 1, kind: 'comment' });
    const effect = positionOf(logText, 'effect Log').line;
    expect(ranges.find(r => r.startLine === effect)?.endLine).toBe(positionOf(logText, 'fn warn(message: String)').line);
  });

  test('selection ranges grow from a name to its statement, block and item', async () => {
    const pos = positionOf(logText, 'amount > 100', 0, 2);
    const [sel] = await client.request<SelectionRange[]>('textDocument/selectionRange', { textDocument: { uri: logUri }, positions: [pos] });
    const chain: string[] = [];
    const lines = logText.split('\n');
    for (let s: SelectionRange | undefined = sel; s; s = s.parent) {
      const { start, end } = s.range;
      chain.push(start.line === end.line ? lines[start.line]!.slice(start.character, end.character) : `${start.line}-${end.line}`);
    }
    expect(chain.slice(0, 2)).toEqual(['amount', 'amount > 100']);
    expect(chain).toContain(`${positionOf(logText, 'fn transfer').line}-${positionOf(logText, '  true\nend').line + 1}`);
  });

  test('semantic tokens classify effects, operations, handlers, parameters and built-ins', async () => {
    const legend = (client.initializeResult as InitializeResult).capabilities.semanticTokensProvider!.legend;
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: logUri } });
    const decoded = decode(tokens.data, legend, logText);
    const at = (needle: string, delta = 0) => {
      const p = positionOf(logText, needle, 0, delta);
      return decoded.find(t => t.line === p.line && t.character === p.character);
    };
    expect(at('Log {')).toMatchObject({ type: 'interface', modifiers: expect.arrayContaining(['effect', 'declaration']) });
    expect(at('Log.warn("amount', 4)).toMatchObject({ text: 'warn', type: 'method', modifiers: ['effect', 'effectful'] });
    expect(at('Console(prefix: "bank')).toMatchObject({ type: 'class', modifiers: ['handler'] });
    expect(at('print("#{prefix}')).toMatchObject({ type: 'function', modifiers: ['defaultLibrary', 'effectful'] });
    expect(at('transfer("alice"')).toMatchObject({ type: 'function', modifiers: ['effectful'] });
    expect(at('amount > 100')).toMatchObject({ type: 'parameter' });
    expect(at('{Log} Bool', 1)).toMatchObject({ type: 'interface', text: 'Log' });
  });

  test('semantic tokens: an enum is a type, its variants enum members, where declared and where used', async () => {
    const text = 'enum Light { Red, Amber(seconds: Int) }\nfn f(l: Light) = match l\n  case Red => Amber(2)\n  case _ => Red\nend\n';
    const uri = fileUri(resolve(REPO, 'examples', 'enum-tokens-scratch.aria'));
    await client.open(uri, text);
    const legend = (client.initializeResult as InitializeResult).capabilities.semanticTokensProvider!.legend;
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    const decoded = decode(tokens.data, legend, text);
    const at = (needle: string, n = 0) => {
      const p = positionOf(text, needle, n);
      return decoded.find(t => t.line === p.line && t.character === p.character);
    };
    expect(at('Light {')).toMatchObject({ type: 'type', modifiers: ['declaration'] });
    expect(at('Light)')).toMatchObject({ type: 'type' });
    expect(at('Amber(seconds')).toMatchObject({ type: 'enumMember', modifiers: ['declaration'] });
    expect(at('Red =>')).toMatchObject({ type: 'enumMember' });
    expect(at('Amber(2)')).toMatchObject({ type: 'enumMember' });
    expect(at('Red\n')).toMatchObject({ type: 'enumMember' });
  });

  test('a semantic tokens delta after an edit applies to the previous result', async () => {
    const uri = fileUri('/tmp/aria-tokens/delta.aria');
    const text = 'fn f(x) = x\ny = f(1)\n';
    await client.open(uri, text);
    const legend = (client.initializeResult as InitializeResult).capabilities.semanticTokensProvider!.legend;
    const first = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    await client.change(uri, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'z = y\n' }]);
    const delta = await client.request<SemanticTokensDelta>('textDocument/semanticTokens/full/delta', { textDocument: { uri }, previousResultId: first.resultId });
    expect(delta.edits).toBeDefined();
    const data = [...first.data];
    for (const edit of [...delta.edits].sort((a, b) => b.start - a.start)) data.splice(edit.start, edit.deleteCount, ...(edit.data ?? []));
    const full = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    expect(data).toEqual(full.data);
    const decoded = decode(data, legend, 'fn f(x) = x\ny = f(1)\nz = y\n');
    expect(decoded.map(t => t.text)).toEqual(['f', 'x', 'x', 'y', 'f', 'z', 'y']);
    // A call of a pure function is not marked effectful.
    expect(decoded[4]).toMatchObject({ type: 'function', modifiers: [] });
  });

  test('formatting answers the smallest edit, and nothing for broken code', async () => {
    const uri = fileUri('/tmp/aria-format/messy.aria');
    const messy = 'fn f(x,y)->{IO} Unit\n      print(x+y)\nend\n';
    await client.open(uri, messy);
    const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    const { start, end } = edits[0]!.range;
    expect(start.line).toBe(0);
    expect(end.line).toBe(1);
    const lines = messy.split('\n');
    const applied = lines[0]!.slice(0, start.character) + edits[0]!.newText + lines[1]!.slice(end.character) + '\n' + lines.slice(2).join('\n');
    expect(applied).toBe('fn f(x, y) -> {IO} Unit\n  print(x + y)\nend\n');
    const broken = fileUri('/tmp/aria-format/broken.aria');
    await client.open(broken, 'fn f(x\n');
    expect(await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: broken }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});
