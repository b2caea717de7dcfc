// Bad input never breaks the parser: random bytes, truncated and shuffled examples, edits, deep nesting all give a tree.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Parser, Tree } from 'web-tree-sitter';
import { createParser, editFor, pointAt } from '../../grammar/parser.js';
import { ariaFiles, examplesDir } from './example-files.js';
import { rng } from '../support/random.js';

/** A parse that takes longer than this is taken for a hang (real parses here take milliseconds). */
const hangGuardMs = 20_000;


const examples = ariaFiles().map(path => ({ name: path.slice(examplesDir.length + 1), text: readFileSync(path, 'utf8') }));
let parser: Parser;

beforeAll(async () => {
  parser = await createParser();
});

/** Parses with a hang guard; checks the tree lies within the input and can be walked to its last node. */
function parseChecked(text: string, oldTree?: Tree): Tree {
  const deadline = Date.now() + hangGuardMs;
  const cancel = ((): boolean => Date.now() > deadline) as unknown as () => void;
  const tree = parser.parse(text, oldTree ?? null, { progressCallback: cancel });
  expect(tree, 'parse returned no tree (cancelled by the hang guard?)').not.toBeNull();
  const root = tree!.rootNode;
  // The root starts at the first token (leading blanks are padding) and never runs past the text.
  expect(root.startIndex).toBeGreaterThanOrEqual(0);
  expect(root.startIndex).toBeLessThanOrEqual(root.endIndex);
  expect(root.endIndex).toBeLessThanOrEqual(text.length);
  const cursor = root.walk();
  let visited = 0;
  for (let more = true; more;) {
    visited++;
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        more = false;
        break;
      }
    }
  }
  expect(visited).toBeGreaterThan(0);
  return tree!;
}

describe('the parser survives bad input', () => {
  test('pointAt ends a line at an LF, at the LF of a CRLF, and at a lone CR', () => {
    const text = 'a\rbc\r\nd\ne';
    const points = [...text].map((_, i) => pointAt(text, i));
    expect(points).toEqual([
      { row: 0, column: 0 }, { row: 0, column: 1 }, { row: 1, column: 0 }, { row: 1, column: 1 },
      { row: 1, column: 2 }, { row: 1, column: 3 }, { row: 2, column: 0 }, { row: 2, column: 1 }, { row: 3, column: 0 },
    ]);
    const lf = 'ab\n\ncd\ne';
    expect([...lf].map((_, i) => pointAt(lf, i))).toEqual([
      { row: 0, column: 0 }, { row: 0, column: 1 }, { row: 0, column: 2 }, { row: 1, column: 0 },
      { row: 2, column: 0 }, { row: 2, column: 1 }, { row: 2, column: 2 }, { row: 3, column: 0 },
    ]);
  });

  test('editFor gives the points of the three offsets as pointAt does (line breaks inserted and removed)', () => {
    const next = rng(99);
    for (const { text } of examples.slice(0, 8)) {
      for (let k = 0; k < 50; k++) {
        const start = Math.floor(next() * (text.length + 1));
        const end = Math.min(text.length, start + Math.floor(next() * 40));
        const insert = ['', 'x', '\n', 'a\nbb\n', '\r\n', '\n\n\nz'][k % 6]!;
        const after = text.slice(0, start) + insert + text.slice(end);
        const edit = editFor(text, start, end, after);
        expect(edit.startPosition).toEqual(pointAt(text, start));
        expect(edit.oldEndPosition).toEqual(pointAt(text, end));
        expect(edit.newEndPosition).toEqual(pointAt(after, start + insert.length));
      }
    }
  });

  test('there are examples to mangle', () => {
    expect(examples.length).toBeGreaterThan(5);
  });

  test('random byte strings', () => {
    const random = rng(1);
    const decoder = new TextDecoder('utf-8');
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 400) }, () => Math.floor(random() * 256));
      parseChecked(decoder.decode(bytes));
    }
  });

  test('random strings of Aria tokens', () => {
    const random = rng(2);
    const pieces = ['fn', 'end', 'if', 'elif', 'else', 'match', 'case', '=>', 'with', '|', '||', '(', ')', '[', ']', '{', '}', '<', '>',
      '->', '"', '#{', '#', '\n', ' ', '.', '..', ',', ':', ';', '=', '+', 'x', 'Async', '1', '2.5', 'spawn', '.await', '@a', '\\', '_'];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: Math.floor(random() * 80) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      parseChecked(text);
    }
  });

  test.for(examples.map(e => [e.name, e] as const))('truncations of %s', ([, { text }]) => {
    const step = 7;
    for (let end = 0; end < text.length; end += step) parseChecked(text.slice(0, end));
  });

  test.for(examples.map(e => [e.name, e] as const))('line shuffles of %s', ([name, { text }]) => {
    const random = rng(name.length * 7919 + text.length);
    const lines = text.split('\n');
    for (let i = 0; i < 10; i++) {
      const shuffled = [...lines];
      for (let j = shuffled.length - 1; j > 0; j--) {
        const k = Math.floor(random() * (j + 1));
        [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
      }
      parseChecked(shuffled.join('\n'));
    }
  });

  test.for(examples.slice(0, 12).map(e => [e.name, e] as const))(
    'an incremental reparse after random edits of %s equals a fresh parse',
    ([name, { text: original }]) => {
      const random = rng(name.length + 17);
      const alphabet = ['\n', ' ', '.', '(', ')', 'end', '#', '"', 'x', '+', '|', '  .y', '\n.z()'];
      let text = original;
      let tree = parseChecked(text);
      for (let i = 0; i < 40; i++) {
        const start = Math.floor(random() * (text.length + 1));
        const oldEnd = Math.min(text.length, start + Math.floor(random() * 4));
        const insert = random() < 0.7 ? alphabet[Math.floor(random() * alphabet.length)]! : '';
        const next = text.slice(0, start) + insert + text.slice(oldEnd);
        tree.edit(editFor(text, start, oldEnd, next));
        const reparsed = parseChecked(next, tree);
        const fresh = parseChecked(next);
        expect(reparsed.rootNode.toString(), `edit ${i} at ${start}`).toBe(fresh.rootNode.toString());
        text = next;
        tree = reparsed;
      }
    },
  );

  test('10,000 nested parentheses', () => {
    const depth = 10_000;
    const tree = parseChecked(`x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`);
    expect(tree.rootNode.hasError).toBe(false);
    expect(maxDepth(tree)).toBeGreaterThan(depth);
  });

  test('2,000 nested ifs', () => {
    const depth = 2_000;
    const text = 'if c\n'.repeat(depth) + 'x\n' + 'end\n'.repeat(depth);
    const tree = parseChecked(text);
    expect(tree.rootNode.hasError).toBe(false);
    expect(maxDepth(tree)).toBeGreaterThan(depth);
  });

  test('2,000 nested ifs with their ends missing', () => {
    parseChecked('if c\n'.repeat(2_000) + 'x\n');
  });

  test('a line of 40,000 characters and a file of 20,000 blank lines', () => {
    parseChecked(`x = ${Array.from({ length: 20_000 }, (_, i) => String(i % 10)).join('+')}\n`);
    parseChecked('\n'.repeat(20_000) + 'x = 1\n');
  });
});

/** The depth of the deepest node, walked without recursion. */
function maxDepth(tree: Tree): number {
  const cursor = tree.rootNode.walk();
  let depth = 0;
  let deepest = 0;
  for (;;) {
    if (cursor.gotoFirstChild()) {
      depth++;
      deepest = Math.max(deepest, depth);
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return deepest;
      depth--;
    }
  }
}
