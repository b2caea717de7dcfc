// The flat copy of a tree holds exactly what web-tree-sitter's Nodes say, read from wasm memory, through the binding's
// cursor and through the public cursor, for every example, for broken text (ERROR and MISSING nodes), for text
// beyond ASCII, and after incremental reparses.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Node, Parser, Tree } from 'web-tree-sitter';
import { ERROR_SYMBOL, fastestPath, flattenTree, registerBinding, type FlatNode } from '../../grammar/flat-tree.js';
import { createParser, editFor } from '../../grammar/parser.js';
import { rng } from '../support/random.js';
import { ariaFiles, examplesDir } from './example-files.js';

const examples = ariaFiles().map(path => ({ name: path.slice(examplesDir.length + 1), text: readFileSync(path, 'utf8') }));
let parser: Parser;

beforeAll(async () => {
  parser = await createParser();
});

/** A node and its subtree as plain data, read through web-tree-sitter's Node API. */
function viaNodes(node: Node, field: string | null = null): unknown {
  return {
    type: node.type, field, start: node.startIndex, end: node.endIndex, named: node.isNamed, missing: node.isMissing,
    error: node.isError, hasError: node.hasError,
    children: node.children.map((c, i) => viaNodes(c!, node.fieldNameForChild(i))),
  };
}

/** The same, read from the flat copy. */
function viaFlat(node: FlatNode, field: string | null = null): unknown {
  return {
    type: node.type, field, start: node.startIndex, end: node.endIndex, named: node.isNamed, missing: node.isMissing,
    error: node.isError, hasError: node.hasError,
    children: node.children.map(c => viaFlat(c, c.flat.field[c.index] ? node.flat.language.fields[c.flat.field[c.index]!]! : null)),
  };
}

function expectSame(tree: Tree, text: string): void {
  const expected = viaNodes(tree.rootNode);
  expect(viaFlat(flattenTree(tree, text, 'memory').root)).toEqual(expected);
  expect(viaFlat(flattenTree(tree, text, 'cursor').root)).toEqual(expected);
  expect(viaFlat(flattenTree(tree, text, 'public').root)).toEqual(expected);
  expect(viaFlat(flattenTree(tree, text).root)).toEqual(expected);
}

describe('the wasm layout reader', () => {
  test('names the web-tree-sitter version its layout facts hold for, the one installed (pinned exactly)', async () => {
    const { LAYOUT_VERSION } = await import('../../grammar/wasm-layout.js');
    const pkg = JSON.parse(readFileSync(new URL('../../node_modules/web-tree-sitter/package.json', import.meta.url), 'utf8')) as { version: string };
    const ours = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.version).toBe(LAYOUT_VERSION);
    expect(ours.devDependencies['web-tree-sitter']).toBe(LAYOUT_VERSION);
  });
});

describe('flattenTree', () => {
  test('trees are read from memory here (else the other tests would compare the slower paths with themselves)', () => {
    const text = 'fn main()\n  print(1)\nend\n';
    const tree = parser.parse(text)!;
    // The first walks of a language are checked against the cursor's before memory walks are trusted.
    for (let i = 0; i < 4; i++) flattenTree(tree, text);
    expect(fastestPath(tree)).toBe('memory');
    tree.delete();
  });

  test('memory that is not a tree of the text: the memory walk gives up instead of running on', () => {
    // A language and a tree of a layout the walk accepts at first sight, whose root claims two billion children.
    const memory = new ArrayBuffer(4096);
    const u8 = new Uint8Array(memory);
    const u16 = new Uint16Array(memory);
    const u32 = new Uint32Array(memory);
    const languageAt = 64;
    u32[languageAt / 4] = 14; // version
    u32[languageAt / 4 + 1] = 2; // symbol_count
    u32[languageAt / 4 + 8] = 0; // field_count
    for (const [slot, address] of [[16, 512], [17, 600], [19, 700], [21, 800]] as const) u32[languageAt / 4 + slot] = address;
    const treeAt = 128;
    const root = 1024;
    u32[treeAt / 4] = root;
    u32[(root + 16) / 4] = 20; // size: 10 UTF-16 units
    u32[(root + 36) / 4] = 0x7fffffff; // child_count
    u16[(root + 40) / 2] = 1; // symbol
    u16[(root + 44) / 2] = 1; // visible
    class FakeTree {}
    registerBinding(FakeTree, { HEAPU8: u8, HEAPU16: u16, HEAPU32: u32 });
    const language = { 0: languageAt, types: ['a', 'b'], fields: [null], nodeTypeIsNamed: () => true };
    const tree = Object.assign(Object.create(FakeTree.prototype) as object, { 0: treeAt, language }) as unknown as Tree;
    expect(() => flattenTree(tree, 'x'.repeat(10), 'memory')).toThrow(/cannot be read from memory/);
  });

  test('text beyond ASCII: offsets count UTF-16 code units', () => {
    const text = '# héllo 🌍\nfn grüß(ñ: Int) -> Int\n  s = "日本語 #{ñ} 😀"\n  ñ + 1 # ünï\nend\n';
    const tree = parser.parse(text)!;
    expectSame(tree, text);
    const flat = flattenTree(tree, text, 'memory');
    expect(flat.root.descendantsOfType(['string'])[0]?.text).toBe('"日本語 #{ñ} 😀"');
    tree.delete();
  });

  test('random bytes: whatever the parser makes of them, every path reads the same tree', () => {
    const next01 = rng(11);
    const alphabet = 'fn end if ( ) { } [ ] < > | , : = + - * / " # \n  \t x y 1 2.5 with spawn match -> é 😀';
    for (let round = 0; round < 30; round++) {
      let text = '';
      const length = Math.floor(next01() * 300);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next01() * alphabet.length)];
      const tree = parser.parse(text)!;
      expectSame(tree, text);
      tree.delete();
    }
  });

  test.each(examples)('$name: every node, field and flag as web-tree-sitter reports them', ({ text }) => {
    const tree = parser.parse(text)!;
    expectSame(tree, text);
    tree.delete();
  });

  test('broken text: ERROR and MISSING nodes, and the error flag up their ancestors', () => {
    const text = 'fn f(x\n  g(1, 2\nend\nfn h() -> {IO Unit\n  print("a\nend\nstruct S(a: Int\n';
    const tree = parser.parse(text)!;
    expectSame(tree, text);
    const flat = flattenTree(tree, text);
    expect([...flat.symbol].some(s => s === ERROR_SYMBOL) || flat.flags.some((_, i) => flat.isMissing(i))).toBe(true);
    expect(flat.root.hasError).toBe(true);
    tree.delete();
  });

  test('random edits reparsed incrementally: the copy follows the new tree', () => {
    const next01 = rng(7);
    const random = { int: (n: number) => Math.floor(next01() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next01() * xs.length)]! };
    for (const { text: original } of examples.slice(0, 6)) {
      let text = original;
      let tree = parser.parse(text)!;
      for (let step = 0; step < 25; step++) {
        const start = random.int(text.length + 1);
        const end = Math.min(text.length, start + random.int(12));
        const insert = random.pick(['', 'x', '(', 'end', '\n', ' {IO}', '"', '# c\n', 'fn g()\n']);
        const next = text.slice(0, start) + insert + text.slice(end);
        tree.edit(editFor(text, start, end, next));
        const reparsed = parser.parse(next, tree)!;
        tree.delete();
        tree = reparsed;
        text = next;
        expectSame(tree, text);
      }
      tree.delete();
    }
  });

  test('text, children by field, descendants by type', () => {
    const text = 'fn add(a: Int, b: Int) -> {IO} Int\n  print(a)\n  a + b\nend\n';
    const tree = parser.parse(text)!;
    const fn = flattenTree(tree, text).root.namedChildren[0]!;
    expect(fn.type).toBe('function_definition');
    expect(fn.childForFieldName('name')?.text).toBe('add');
    expect(fn.childForFieldName('no_such_field')).toBeNull();
    expect(fn.childForFieldName('parameters')?.namedChildren.map(p => p.text)).toEqual(['a: Int', 'b: Int']);
    expect(fn.childForFieldName('effects')?.childrenForFieldName('effect').map(e => e.text)).toEqual(['IO']);
    expect(fn.descendantsOfType(['identifier']).map(n => n.text)).toEqual(['add', 'a', 'b', 'print', 'a', 'a', 'b']);
    expect(fn.lastChild?.type).toBe('end');
    tree.delete();
  });
});
