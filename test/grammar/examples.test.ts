// Every Aria program under examples/ (recursively) parses with no ERROR or MISSING node, with LF or CRLF line breaks.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Node, Parser } from 'web-tree-sitter';
import { createParser } from '../../grammar/parser.js';
import { ariaFiles, examplesDir } from './example-files.js';

const files = ariaFiles();
let parser: Parser;

beforeAll(async () => {
  parser = await createParser();
});

/** `row:column kind text` of every ERROR and MISSING node, for a readable failure. */
function syntaxProblems(root: Node): string[] {
  const problems: string[] = [];
  const cursor = root.walk();
  for (;;) {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) {
      const where = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      problems.push(`${where} ${node.isMissing ? `MISSING ${node.type}` : `ERROR ${JSON.stringify(node.text.slice(0, 40))}`}`);
    }
    if (node.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return problems;
    }
  }
}

describe('examples parse cleanly', () => {
  test('the examples are there, seed ones included', () => {
    const names = files.map(f => relative(examplesDir, f));
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(names.filter(n => n.startsWith('seed/')).length).toBe(6);
  });

  test.for(files.map(f => [relative(examplesDir, f), f] as const))('%s', ([, file]) => {
    const text = readFileSync(file, 'utf8');
    const tree = parser.parse(text)!;
    expect(syntaxProblems(tree.rootNode)).toEqual([]);
    expect(tree.rootNode.type).toBe('source_file');
    const crlf = parser.parse(text.replace(/\r?\n/g, '\r\n'))!;
    expect(syntaxProblems(crlf.rootNode)).toEqual([]);
    expect(crlf.rootNode.toString()).toBe(tree.rootNode.toString());
  });

  test('the problem finder reports what a broken program contains', () => {
    const tree = parser.parse('fn f() -> {IO\n  x = foo(\nend\n')!;
    expect(syntaxProblems(tree.rootNode).length).toBeGreaterThan(0);
  });
});
