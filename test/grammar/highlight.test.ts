// Runs the highlight assertions of grammar/test/highlight/*.aria with web-tree-sitter and the editor queries.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Parser, Query } from 'web-tree-sitter';
import { createParser, createQuery } from '../../grammar/parser.js';
import { grammarDir } from './corpus-format.js';
import { checkHighlights, parseAssertions } from './highlight-check.js';

const highlightDir = join(grammarDir, 'test', 'highlight');
const files = readdirSync(highlightDir).filter(f => f.endsWith('.aria')).sort();
let parser: Parser;
let highlights: Query;
let locals: Query;

beforeAll(async () => {
  parser = await createParser();
  highlights = await createQuery(readFileSync(join(grammarDir, 'queries', 'highlights.scm'), 'utf8'));
  locals = await createQuery(readFileSync(join(grammarDir, 'queries', 'locals.scm'), 'utf8'));
});

describe('highlight assertions', () => {
  test('there are highlight test files', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  test.for(files)('%s', file => {
    const source = readFileSync(join(highlightDir, file), 'utf8');
    const { assertions, failures } = checkHighlights(parser, highlights, locals, source);
    expect(assertions).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});

describe('highlight checker', () => {
  test.for([
    ['a right assertion holds', 'x = 1\nfn f()\n# <- keyword.function\nend\n', []],
    ['a wrong assertion fails', 'x = 1\nfn f()\n#  ^ keyword\nend\n', [{ row: 1, column: 3, expected: 'keyword', actual: 'function' }]],
    ['a negative assertion fails where the capture is there', 'x = 1\nfn f()\n#  ^ !function\nend\n', [{ row: 1, column: 3, negative: true }]],
    ['a reference takes its parameter\'s highlight', 'x = 1\nfn f(a)\n  a\n  # <- variable.parameter\nend\n', []],
  ] as const)('%s', ([, source, expected]) => {
    const { failures } = checkHighlights(parser, highlights, locals, source);
    expect(failures).toMatchObject(expected);
    expect(failures.length).toBe(expected.length);
  });

  test('consecutive assertion lines all point at the code line above them', () => {
    const tree = parser.parse('x = 1\nfoo = bar\n#     ^ a\n# <- b\n  #   ^ c\n')!;
    expect(parseAssertions(tree)).toEqual([
      { row: 1, column: 0, negative: false, expected: 'b' },
      { row: 1, column: 6, negative: false, expected: 'a' },
      { row: 1, column: 6, negative: false, expected: 'c' },
    ]);
  });
});
