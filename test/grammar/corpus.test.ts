// Runs every case of grammar/test/corpus/*.txt through web-tree-sitter, as `tree-sitter test` does with the CLI.
import { beforeAll, describe, expect, test } from 'vitest';
import type { Parser } from 'web-tree-sitter';
import { createParser } from '../../grammar/parser.js';
import { hasFields, normalizeSexp, parseCorpus, readCorpus, stripFields } from './corpus-format.js';

const cases = readCorpus();
let parser: Parser;

beforeAll(async () => {
  parser = await createParser();
});

/** Parses `source` and checks it against the case's expected tree, honouring `:skip` and `:error`. */
function check(source: string, expected: string, attributes: readonly string[]): void {
  const tree = parser.parse(source);
  expect(tree).not.toBeNull();
  const root = tree!.rootNode;
  if (attributes.includes(':error')) {
    expect(root.hasError, 'an :error case must parse with an error').toBe(true);
    return;
  }
  const actual = root.toString();
  expect(hasFields(expected) ? normalizeSexp(actual) : stripFields(actual)).toBe(normalizeSexp(expected));
}

describe('grammar corpus', () => {
  test('there are corpus cases to run, and every case has a title, a source and an expectation', () => {
    expect(cases.length).toBeGreaterThan(50);
    for (const c of cases) {
      expect(c.title).not.toBe('');
      expect(c.source.trim()).not.toBe('');
      if (!c.attributes.includes(':error')) expect(c.expected).toMatch(/^\(/);
    }
  });

  test('every error case really has an error, every other case has none', () => {
    for (const c of cases) {
      if (c.attributes.includes(':skip')) continue;
      const root = parser.parse(c.source)!.rootNode;
      expect(root.hasError, `${c.file}: ${c.title}`).toBe(c.file === 'errors.txt');
    }
  });

  test.for(cases.filter(c => !c.attributes.includes(':skip')).map(c => [`${c.file}: ${c.title}`, c] as const))(
    '%s',
    ([, c]) => check(c.source, c.expected, c.attributes),
  );
});

describe('corpus reader', () => {
  const sample = [
    '====', 'First', ':skip', '====', '', 'a = 1', '', '---', '', '(source_file (x))', '',
    '=====', 'Second', '=====', 'b', '-----', '(y)',
  ].join('\n');

  test.for([
    ['reads titles, attributes, sources and expectations', 0, { title: 'First', attributes: [':skip'], source: '\na = 1\n', expected: '(source_file (x))' }],
    ['drops one trailing line break of the source', 1, { title: 'Second', attributes: [], source: 'b', expected: '(y)' }],
  ] as const)('%s', ([, index, want]) => {
    expect(parseCorpus('sample.txt', sample)[index]).toMatchObject(want);
  });

  test.for([
    ['(a\n  f: (b)\n  (c))', '(a f: (b) (c))'],
    ['( a (MISSING ")") )', '(a (MISSING ")"))'],
    ['(string (MISSING """))', '(string (MISSING """))'],
  ] as const)('normalises %j', ([input, output]) => {
    expect(normalizeSexp(input)).toBe(output);
  });

  test('strips fields only', () => {
    expect(stripFields('(a left: (b) right: (MISSING "x:"))')).toBe('(a (b) (MISSING "x:"))');
  });
});
