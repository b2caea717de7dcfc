// Renaming struct fields and enum constructors over stdio: fields go by the static types, so another struct's field
// of the same name is left alone, across files; a field the checker cannot resolve makes the rename refuse.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Location, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { LspClient, fileUri, positionOf } from './lsp-client.js';

const lib = [
  '# Jobs and workers both have a name.',
  'struct Job(name: String, run: () -> {} Int)',
  'struct Worker(name: String, load: Int)',
  '',
  'enum Outcome {',
  '  Done(value: Int)',
  '  Skipped(reason: String)',
  '}',
  '',
  'fn label(j: Job) -> {} String',
  '  "job #{j.name}"',
  'end',
  '',
  'fn attempt(j: Job) -> {} Outcome',
  '  if j.name == ""',
  '    return Skipped("unnamed")',
  '  end',
  '  Done(j.run())',
  'end',
].join('\n');

const main = [
  'import lib.jobs',
  '',
  'w = Worker("w1", 0)',
  'j = Job(name: "build", run: || 7)',
  'print(w.name, j.name, jobs.label(j))',
  'match jobs.attempt(j)',
  'case Done(v) => print(v)',
  'case Skipped(why) => print(why)',
  'end',
].join('\n');

let dir: string;
let client: LspClient;
let libUri: string;
let mainUri: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aria-rename-'));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'jobs.aria'), lib);
  writeFileSync(join(dir, 'main.aria'), main);
  libUri = fileUri(join(dir, 'lib', 'jobs.aria'));
  mainUri = fileUri(join(dir, 'main.aria'));
  client = await LspClient.start({ root: dir });
  await client.open(libUri, lib);
  await client.open(mainUri, main);
  await client.waitForDiagnostics(mainUri);
});
afterAll(async () => {
  await client?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The text a line of each edited file reads after the edits. */
function applied(edit: WorkspaceEdit, uri: string, text: string): string {
  const lines = text.split('\n');
  const edits = [...(edit.changes?.[uri] ?? [])].sort((a: TextEdit, b: TextEdit) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
  for (const e of edits) {
    const l = lines[e.range.start.line]!;
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return lines.join('\n');
}

describe('rename by type', () => {
  test('a field renamed from a use in another file: its struct\'s uses only, named arguments too', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: mainUri }, position: positionOf(main, 'j.name', 0, 3), newName: 'title' });
    expect(applied(edit, libUri, lib)).toContain('struct Job(title: String, run: () -> {} Int)');
    expect(applied(edit, libUri, lib)).toContain('struct Worker(name: String, load: Int)');
    expect(applied(edit, libUri, lib)).toContain('"job #{j.title}"');
    expect(applied(edit, libUri, lib)).toContain('if j.title == ""');
    expect(applied(edit, mainUri, main)).toContain('j = Job(title: "build", run: || 7)');
    expect(applied(edit, mainUri, main)).toContain('print(w.name, j.title, jobs.label(j))');
  });

  test('prepareRename on a field declaration gives its range; references list its uses by type', async () => {
    const at = positionOf(lib, 'Worker(name', 0, 8);
    const prepared = await client.request<{ placeholder: string }>('textDocument/prepareRename', { textDocument: { uri: libUri }, position: at });
    expect(prepared.placeholder).toBe('name');
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: libUri }, position: at, context: { includeDeclaration: true } });
    expect(refs.map(r => `${r.uri === mainUri ? 'main' : 'lib'}:${r.range.start.line}`)).toEqual(['lib:2', 'main:4']);
  });

  test('an enum constructor renamed: its declaration, its calls and its patterns', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: libUri }, position: positionOf(lib, 'Skipped(reason', 0, 2), newName: 'Passed' });
    expect(applied(edit, libUri, lib)).toContain('  Passed(reason: String)');
    expect(applied(edit, libUri, lib)).toContain('return Passed("unnamed")');
    expect(applied(edit, mainUri, main)).toContain('case Passed(why) => print(why)');
  });

  test('a field whose struct the checker cannot tell makes the rename refuse, naming the place', async () => {
    const ambiguous = `${main}\nfn show(x)\n  print(x.name)\nend\n`;
    await client.change(mainUri, [{ text: ambiguous }]);
    await client.waitForDiagnostics(mainUri, p => p.diagnostics.some(d => d.code === "E0306"), true);
    await expect(client.request('textDocument/rename', { textDocument: { uri: libUri }, position: positionOf(lib, 'Job(name', 0, 5), newName: 'title' }))
      .rejects.toThrow(/main\.aria:11 .*E0306/);
    await client.change(mainUri, [{ text: main }]);
  });
});

describe('rename refusals', () => {
  test('a constructor must stay capitalised', async () => {
    await expect(client.request('textDocument/rename', { textDocument: { uri: mainUri }, position: positionOf(main, 'case Done', 0, 6), newName: 'done' }))
      .rejects.toThrow(/capitalised/);
  });
});
