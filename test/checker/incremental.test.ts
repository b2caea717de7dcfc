// Re-checking after edits: incremental answers equal a fresh check, and changes reach the files that depend on them.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe as suite, expect, test } from 'vitest';
import type { Diagnostic } from '../../analysis/diagnostics.js';
import type { Workspace } from '../../analysis/workspace.js';
import { memoryWorkspace } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const examples = join(here, '..', '..', 'examples');

const brief = (ds: readonly Diagnostic[]) => ds.map(d => `${d.span.start}-${d.span.end} ${d.code} ${d.message}`);
const codes = (ws: Workspace, path: string) => ws.diagnostics(path).map(d => d.code);

async function fresh(files: Record<string, string>, path: string): Promise<string[]> {
  return brief((await memoryWorkspace(files)).diagnostics(path));
}

suite('incremental edits of one file equal a fresh check', () => {
  const names = readdirSync(examples).filter(n => n.endsWith('.aria')).sort().slice(0, 6);
  for (const name of names) {
    test(name, async () => {
      const original = readFileSync(join(examples, name), 'utf8');
      const ws = await memoryWorkspace({ 'main.aria': original });
      ws.diagnostics('main.aria');
      const lines = original.split('\n');
      const edits: string[] = [
        lines.filter((_, i) => i !== Math.floor(lines.length / 2)).join('\n'),
        original.replace('print(', 'print(undefined_thing, '),
        original.replace(/\) -> \{([^}]*)\}/, ') -> {}'),
        `${original}\nfn added() -> {} Unit = sleep(1.ms)\n`,
        original,
      ];
      for (const [i, text] of edits.entries()) {
        if (i % 2) ws.updateFile('main.aria', text);
        else ws.setFile('main.aria', text);
        expect(brief(ws.diagnostics('main.aria')), `edit ${i}`).toEqual(await fresh({ 'main.aria': text }, 'main.aria'));
        expect(ws.functionRows('main.aria')).toEqual((await memoryWorkspace({ 'main.aria': text })).functionRows('main.aria'));
      }
    });
  }

  test('explicit edits (start, end, text) applied in order', async () => {
    const text = 'fn f() -> {} Int\n  1\nend\nprint(f())\n';
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    // Insert a sleep in f's body, then rename the call: two edits against the evolving text.
    const step1 = text.replace('  1\n', '  sleep(1.ms)\n  1\n');
    const step2 = step1.replace('print(f())', 'print(g())');
    const bodyAt = text.indexOf('  1\n');
    const callAt = step1.indexOf('f())');
    ws.updateFile('a.aria', step2, [
      { start: bodyAt, end: bodyAt, text: '  sleep(1.ms)\n' },
      { start: callAt, end: callAt + 1, text: 'g' },
    ]);
    expect(ws.text('a.aria')).toBe(step2);
    expect(codes(ws, 'a.aria')).toEqual(['E0202', 'E0101']);
    expect(brief(ws.diagnostics('a.aria'))).toEqual(await fresh({ 'a.aria': step2 }, 'a.aria'));
  });

  test('edits that do not add up to the new text fall back to a full parse', async () => {
    const ws = await memoryWorkspace({ 'a.aria': 'x = 1\n' });
    ws.updateFile('a.aria', 'print(y)\n', [{ start: 0, end: 1, text: 'z' }]);
    expect(codes(ws, 'a.aria')).toEqual(['E0101']);
  });
});

suite('changes reach the files that depend on them', () => {
  const lib = 'fn fetch() -> {Async} Int\n  sleep(1.ms)\n  1\nend\n';
  const main = 'import lib\nfn run() -> {Async} Int = lib.fetch()\nprint(run())\n';

  test('a callee gains an effect, then loses it', async () => {
    const ws = await memoryWorkspace({ 'lib.aria': lib, 'main.aria': main });
    expect(codes(ws, 'main.aria')).toEqual([]);
    const revision = ws.revision;
    ws.updateFile('lib.aria', lib.replace('{Async}', '{Async, Cancel}').replace('  1\n', '  Cancel.check()\n  1\n'));
    expect(ws.revision).toBeGreaterThan(revision);
    expect(codes(ws, 'main.aria')).toEqual(['E0202']);
    ws.updateFile('lib.aria', lib);
    expect(codes(ws, 'main.aria')).toEqual([]);
  });

  test('an inferred row changes through a chain of files', async () => {
    const files = {
      'c.aria': 'fn leaf() = 1\n',
      'b.aria': 'import c\nfn middle() = c.leaf()\n',
      'a.aria': 'import b\nfn top() -> {} Int = b.middle()\n',
    };
    const ws = await memoryWorkspace(files);
    expect(codes(ws, 'a.aria')).toEqual([]);
    ws.updateFile('c.aria', 'fn leaf()\n  print("x")\n  1\nend\n');
    expect(codes(ws, 'a.aria')).toEqual(['E0202']);
    const [d] = ws.diagnostics('a.aria');
    expect(d!.message).toContain('top -> b.middle -> c.leaf -> print');
    expect(d!.related.map(r => r.path)).toEqual([ws.path('b.aria'), ws.path('c.aria'), ws.path('a.aria')]);
    ws.updateFile('c.aria', files['c.aria']);
    expect(codes(ws, 'a.aria')).toEqual([]);
  });

  test('related information follows edits of the file it points into', async () => {
    const ws = await memoryWorkspace({ 'lib.aria': 'fn f() -> {IO} Unit = print(1)\n', 'main.aria': 'import lib\nfn g() -> {} Unit = lib.f()\n' });
    const before = ws.diagnostics('main.aria')[0]!.related[0]!.span.start;
    ws.updateFile('lib.aria', '# a comment line moves everything down\nfn f() -> {IO} Unit = print(1)\n');
    const after = ws.diagnostics('main.aria')[0]!.related[0]!.span.start;
    expect(after).toBe(before + '# a comment line moves everything down\n'.length);
  });

  test('removing and adding back an imported file; an import that appears later', async () => {
    const ws = await memoryWorkspace({ 'lib.aria': lib, 'main.aria': main });
    expect(codes(ws, 'main.aria')).toEqual([]);
    ws.removeFile('lib.aria');
    expect(codes(ws, 'main.aria')).toEqual(['E0103']);
    ws.setFile('lib.aria', lib);
    expect(codes(ws, 'main.aria')).toEqual([]);
    ws.setFile('other.aria', 'import later\nlater.go()\n');
    expect(codes(ws, 'other.aria')).toEqual(['E0103']);
    ws.setFile('later.aria', 'fn go() = 1\n');
    expect(codes(ws, 'other.aria')).toEqual([]);
  });

  test('renaming an exported function shows at its callers', async () => {
    const ws = await memoryWorkspace({ 'lib.aria': lib, 'main.aria': main });
    ws.updateFile('lib.aria', lib.replace('fn fetch', 'fn fetch_one'));
    expect(codes(ws, 'main.aria')).toEqual(['E0104']);
  });

  test('cyclic imports with mutual recursion converge and update', async () => {
    const ws = await memoryWorkspace({
      'a.aria': 'import b\nfn ping(n) = b.pong(n)\nfn check() -> {} Unit = ping(1)\n',
      'b.aria': 'import a\nfn pong(n) = a.ping(n)\n',
    });
    expect(codes(ws, 'a.aria')).toEqual([]);
    ws.updateFile('b.aria', 'import a\nfn pong(n)\n  sleep(1.ms)\n  a.ping(n)\nend\n');
    expect(codes(ws, 'a.aria')).toEqual(['E0202']);
    expect(ws.functionRows('a.aria').find(r => r.name === 'ping')!.inferred).toBe('{Async}');
  });
});

suite('files loaded to resolve imports', () => {
  test('are read through readFile, checked for their importers, and not listed as the client\'s files', async () => {
    const { Workspace: W } = await import('../../analysis/workspace.js');
    const disk: Record<string, string> = { '/proj/util.aria': 'fn helper() -> {IO} Unit = print(1)\n' };
    const ws = await W.create({ root: '/proj', readFile: p => disk[p] });
    ws.setFile('/proj/main.aria', 'import util\nfn f() -> {} Unit = util.helper()\n');
    expect(codes(ws, '/proj/main.aria')).toEqual(['E0202']);
    expect(ws.filePaths()).toEqual(['/proj/main.aria']);
    expect(ws.hasFile('/proj/util.aria')).toBe(true);
  });
});

suite('an edit that leaves a function\'s row as it was leaves its callers alone', () => {
  test('the callers\' diagnostics are the same array after an edit of the callee\'s body', async () => {
    const lib = 'fn helper(n: Int) -> {IO} Int\n  print("h")\n  n + 1\nend\n';
    const main = 'import lib\n\nfn run() -> {IO} Int\n  lib.helper(1) + lib.helper(2)\nend\n\nfn twice() -> {IO} Int = run() + run()\n\nprint(twice())\n';
    const ws = await memoryWorkspace({ 'lib.aria': lib, 'main.aria': main });
    expect(codes(ws, 'lib.aria')).toEqual([]);
    const before = ws.diagnostics('main.aria');
    expect(before).toEqual([]);
    // The body changes, its row does not: the solver solves `helper` again, to the same row.
    ws.updateFile('lib.aria', lib.replace('n + 1', 'n + 2'));
    expect(codes(ws, 'lib.aria')).toEqual([]);
    expect(ws.diagnostics('main.aria')).toBe(before);
    // A change of its row reaches them.
    ws.updateFile('lib.aria', lib.replace('print("h")', 'sleep(1.ms)'));
    expect(codes(ws, 'lib.aria')).toContain('E0202');
    expect(codes(ws, 'main.aria')).toEqual([]);
  });
});
