// An incremental reparse of a large file takes whole chunks and sections of the old tree (grammar.js, `source_file`),
// not every top-level statement one by one, and still gives the tree a fresh parse gives, however the edits move
// the chunk boundaries.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Parser, Tree } from 'web-tree-sitter';
import { createParser, editFor } from '../../grammar/parser.js';
import { rng } from '../support/random.js';
import { ariaFiles } from './example-files.js';

let parser: Parser;
/** The examples that parse without errors, each ending with a blank line. */
let parts: string[];

beforeAll(async () => {
  parser = await createParser();
  parts = ariaFiles().map(path => readFileSync(path, 'utf8').replace(/\n*$/, '\n\n')).filter(text => {
    const tree = parser.parse(text)!;
    const ok = !tree.rootNode.hasError;
    tree.delete();
    return ok;
  });
});

/** About `lines` lines of the examples again and again: many top-level statements and comments. */
function program(lines: number): string {
  let text = '';
  for (let i = 0, count = 0; count < lines; i++) {
    text += parts[i % parts.length];
    count += parts[i % parts.length]!.split('\n').length - 1;
  }
  return text;
}

/** The parse log's lines of one incremental reparse, counted by their first word (`reuse_node symbol:_section`, ...). */
function reparseLog(tree: Tree, text: string, start: number, end: number, insert: string): Map<string, number> {
  const next = text.slice(0, start) + insert + text.slice(end);
  const old = tree.copy();
  old.edit(editFor(text, start, end, next));
  const log = new Map<string, number>();
  parser.setLogger((message, isLex) => {
    if (!isLex) log.set(message.split(',')[0]!, (log.get(message.split(',')[0]!) ?? 0) + 1);
  });
  try {
    const reparsed = parser.parse(next, old)!;
    const fresh = parser.parse(next)!;
    expect(reparsed.rootNode.toString()).toBe(fresh.rootNode.toString());
    reparsed.delete();
    fresh.delete();
  } finally {
    parser.setLogger(null);
    old.delete();
  }
  return log;
}

const total = (log: Map<string, number>, prefix: string): number =>
  [...log].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

describe('incremental reparse of a large file', () => {
  test('a one-character edit reuses whole sections and chunks: a few hundred reuses, not one per statement', () => {
    const text = program(10_000);
    const tree = parser.parse(text)!;
    expect(tree.rootNode.hasError).toBe(false);
    const statements = tree.rootNode.namedChildCount;
    expect(statements).toBeGreaterThan(3_000);
    // A letter of a name, in the middle of the file, typed over.
    const at = text.indexOf('fn ', text.length >> 1) + 4;
    const log = reparseLog(tree, text, at, at + 1, text[at] === 'q' ? 'z' : 'q');
    // Sections and chunks are taken whole. Before them the parser took each of the 3,668 top-level statements and
    // comments on its own, after looking inside 1,566 fragile repetition nodes.
    expect(log.get('reuse_node symbol:_section')).toBeGreaterThan(0);
    expect(log.get('reuse_node symbol:_chunk')).toBeGreaterThan(0);
    expect(total(log, 'reuse_node')).toBeLessThan(statements / 10);
    expect(total(log, 'cant_reuse_node_is_fragile')).toBeLessThan(statements / 20);
    tree.delete();
  });

  test('the reuse does not grow with the file: 10 times the statements, about the same reuses', () => {
    const counts = [1_000, 10_000].map(lines => {
      const text = program(lines);
      const tree = parser.parse(text)!;
      const at = text.indexOf('fn ', text.length >> 1) + 4;
      const log = reparseLog(tree, text, at, at + 1, text[at] === 'q' ? 'z' : 'q');
      tree.delete();
      return total(log, 'reuse_node');
    });
    // Tenfold the file, at most three times the reuses (sections: one in 256 statements; 1,000 lines hold ~37).
    expect(counts[1]!).toBeLessThan(counts[0]! * 3);
  });

  test('random edits at the statements that decide where chunks end: the reparse equals a fresh parse', () => {
    const random = rng(151);
    let text = program(1_200);
    let tree = parser.parse(text)!;
    // Edits at the start of a top-level line (where the scanner hashes the statement), of comments, blank lines,
    // line breaks and whole lines: each may move, add or remove a chunk's or a section's end.
    const inserts = ['', 'x', 'q', '#', '# note\n', '\n', '\n\n', 'fn', 'f', '1', '(', 'end\n', 'x = 1\n', ';', 'y; z\n', ' '];
    for (let i = 0; i < 100; i++) {
      const lineStarts = [...text.matchAll(/^(?=\S)/gm)].map(m => m.index!);
      const lineStart = lineStarts[Math.floor(random() * lineStarts.length)]!;
      const start = Math.min(text.length, lineStart + Math.floor(random() * 3));
      const end = Math.min(text.length, start + (random() < 0.3 ? Math.floor(random() * 40) : Math.floor(random() * 3)));
      const insert = inserts[Math.floor(random() * inserts.length)]!;
      const next = text.slice(0, start) + insert + text.slice(end);
      tree.edit(editFor(text, start, end, next));
      const reparsed = parser.parse(next, tree)!;
      const fresh = parser.parse(next)!;
      expect(reparsed.rootNode.toString(), `edit ${i}: ${JSON.stringify(text.slice(start, end))} -> ${JSON.stringify(insert)} at ${start}`)
        .toBe(fresh.rootNode.toString());
      fresh.delete();
      tree.delete();
      tree = reparsed;
      text = next;
    }
    tree.delete();
  });
});
