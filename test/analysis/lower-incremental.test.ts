// Lowering again after an edit (reusing the untouched top-level items, their spans moved) gives exactly the module a
// fresh lowering of the same tree gives: over random edits of every example, through the Workspace as editors use it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Parser } from 'web-tree-sitter';
import type * as A from '../../analysis/syntax/ast.js';
import { lowerModule, lowerModuleAgain } from '../../analysis/syntax/lower.js';
import { Workspace } from '../../analysis/workspace.js';
import { createParser, editFor } from '../../grammar/parser.js';
import { ariaFiles, examplesDir } from '../grammar/example-files.js';
import { rng } from '../support/random.js';

const examples = ariaFiles().map(path => ({ name: path.slice(examplesDir.length + 1), text: readFileSync(path, 'utf8') }));
let parser: Parser;

beforeAll(async () => {
  parser = await createParser();
});

/**
 * A fresh lowering of the workspace's own tree (an incremental reparse of broken text can recover differently
 * from a fresh parse, so the tree is the same one on both sides: what is compared is the lowering).
 */
function fresh(ws: Workspace, text: string, path: string): string {
  return JSON.stringify(lowerModule(ws.syntaxTree(path)!, text, path));
}

const SNIPPETS = ['', 'x', '1', '(', ')', 'end', '\n', '\n\n', ' {IO}', '"', '# note\n', 'fn g()\n', '  print(1)\n', 'import a.b\n', '#{', '|x| x', 'with Cancel.timeout(1.ms)\n', 'enum E { A(x: Int), B }\n', ', C', 'D(y)\n'];

describe('lowerModuleAgain', () => {
  test.each(examples)('$name: 40 random edits through Workspace.updateFile equal a fresh lowering', async ({ name, text: original }) => {
    const next01 = rng(name.length * 7919 + original.length);
    const int = (n: number) => Math.floor(next01() * n);
    const ws = await Workspace.create({ root: '/t' });
    const path = '/t/main.aria';
    ws.setFile(path, original);
    let text = original;
    expect(JSON.stringify(ws.module(path))).toBe(fresh(ws, text, path));
    for (let step = 0; step < 40; step++) {
      // Mostly small edits at a random place; now and then a whole line removed or duplicated.
      let start: number;
      let end: number;
      let insert: string;
      if (step % 7 === 3) {
        const lineStart = text.lastIndexOf('\n', int(text.length)) + 1;
        const lineEnd = text.indexOf('\n', lineStart) + 1 || text.length;
        [start, end, insert] = step % 2 ? [lineStart, lineEnd, ''] : [lineStart, lineStart, text.slice(lineStart, lineEnd)];
      } else {
        start = int(text.length + 1);
        end = Math.min(text.length, start + int(6));
        insert = SNIPPETS[int(SNIPPETS.length)]!;
      }
      text = text.slice(0, start) + insert + text.slice(end);
      ws.updateFile(path, text, [{ start, end, text: insert }]);
      expect(JSON.stringify(ws.module(path)), `after edit ${step} (${JSON.stringify(insert)} at ${start})`).toBe(fresh(ws, text, path));
    }
    ws.dispose();
  });

  test('reuses the untouched items (the same objects) and moves the spans of those after the edit', async () => {
    const text = 'fn a() = 1\n\n# doc of b\nfn b() = 2\n\nfn c() = 3\n';
    const tree = parser.parse(text)!;
    const before = lowerModule(tree, text, 'm.aria');
    const [a, b, c] = before.items;
    const at = text.indexOf('2');
    const next = `${text.slice(0, at)}22${text.slice(at + 1)}`;
    tree.edit(editFor(text, at, at + 1, next));
    const tree2 = parser.parse(next, tree)!;
    const after = lowerModuleAgain(tree2, next, 'm.aria', { module: before, text, changedStart: at, changedEnd: at + 2 });
    expect(after.items[0]).toBe(a); // before the edit: as it was
    expect(after.items[1]).not.toBe(b); // edited: lowered again
    expect(after.items[2]).toBe(c); // after the edit: the same object, moved by one
    expect(c!.span.start).toBe(next.indexOf('fn c'));
    expect(JSON.stringify(after)).toBe(JSON.stringify(lowerModule(tree2, next, 'm.aria')));
    // An edit in the comment above `b` changes its doc: `b` is lowered again.
    const at2 = next.indexOf('doc');
    const next2 = `${next.slice(0, at2)}DOC${next.slice(at2 + 3)}`;
    tree2.edit(editFor(next, at2, at2 + 3, next2));
    const tree3 = parser.parse(next2, tree2)!;
    const again = lowerModuleAgain(tree3, next2, 'm.aria', { module: after, text: next, changedStart: at2, changedEnd: at2 + 3 });
    expect(again.items[1]!.kind === 'Fn' && again.items[1]!.doc).toBe('DOC of b');
    for (const t of [tree, tree2, tree3]) t.delete();
  });

  test('an edit inside an enum lowers that enum again, and moves the variants of an enum after it', async () => {
    const text = 'enum A {\n  X(n: Int)\n  Y\n}\n\nenum B { P(q), R }\n';
    const tree = parser.parse(text)!;
    const before = lowerModule(tree, text, 'm.aria');
    const [a, b] = before.items as A.EnumDecl[];
    const at = text.indexOf('Y');
    const next = `${text.slice(0, at)}Yes${text.slice(at + 1)}`;
    tree.edit(editFor(text, at, at + 1, next));
    const tree2 = parser.parse(next, tree)!;
    const after = lowerModuleAgain(tree2, next, 'm.aria', { module: before, text, changedStart: at, changedEnd: at + 3 });
    expect(after.items[0]).not.toBe(a);
    expect((after.items[0] as A.EnumDecl).variants.map(v => v.name.name)).toEqual(['X', 'Yes']);
    expect(after.items[1]).toBe(b);
    expect(b!.variants[1]!.name.span.start).toBe(next.indexOf('R }'));
    expect(JSON.stringify(after)).toBe(JSON.stringify(lowerModule(tree2, next, 'm.aria')));
    for (const t of [tree, tree2]) t.delete();
  });
});
