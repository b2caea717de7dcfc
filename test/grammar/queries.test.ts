// Checks the editor queries in grammar/queries/: each compiles, is listed, uses shared capture names, and captures what it should.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createQuery, parse } from '../../grammar/parser.js';
import { grammarDir } from './corpus-format.js';

const queriesDir = join(grammarDir, 'queries');
const queryFiles = readdirSync(queriesDir).filter(f => f.endsWith('.scm')).sort();
const readQuery = (name: string): string => readFileSync(join(queriesDir, name), 'utf8');

/** Capture names each query may use: the ones Neovim, Helix and Zed (or their fallbacks) understand. */
const allowedCaptures: Readonly<Record<string, readonly string[]>> = {
  'highlights.scm': [
    'keyword', 'keyword.function', 'keyword.type', 'keyword.import', 'keyword.return', 'keyword.conditional',
    'keyword.repeat', 'keyword.coroutine', 'keyword.operator', 'function', 'function.call', 'function.method',
    'function.method.call', 'function.builtin', 'constructor', 'variable', 'variable.parameter', 'variable.member',
    'variable.builtin', 'type', 'type.builtin', 'constant.builtin', 'number', 'number.float', 'string',
    'string.escape', 'punctuation.special', 'punctuation.bracket', 'punctuation.delimiter', 'operator', 'comment',
    'attribute', 'module',
  ],
  'locals.scm': ['local.scope', 'local.definition', 'local.reference'],
  'tags.scm': [
    'name', 'doc', 'definition.function', 'definition.method', 'definition.interface', 'definition.class',
    'reference.call', 'reference.implementation', 'reference.module',
  ],
  'folds.scm': ['fold'],
  'indents.scm': ['indent.begin', 'indent.end', 'indent.branch', 'indent.auto'],
};

const sample = [
  '# Logs through the effect.',
  'effect Log {',
  '  fn log(message: String) -> Unit',
  '}',
  'struct Point(x: Int, y: Int)',
  'handler Console(prefix: String) for Log {',
  '  fn log(message) = print(prefix + message)',
  '}',
  'import net.http',
  '# Adds one.',
  '# Twice.',
  'fn inc(n: Int) -> Int',
  '  m = n + 1',
  '  http.get(m)',
  'end',
  '',
].join('\n');

interface Captured { readonly name: string; readonly text: string; readonly row: number }

async function capture(queryFile: string, source: string): Promise<Captured[]> {
  const query = await createQuery(readQuery(queryFile));
  const tree = await parse(source);
  return query.captures(tree.rootNode).map(c => ({ name: c.name, text: c.node.text, row: c.node.startPosition.row }));
}

describe('grammar queries', () => {
  test('the five queries are there', () => {
    expect(queryFiles).toEqual(['folds.scm', 'highlights.scm', 'indents.scm', 'locals.scm', 'tags.scm']);
  });

  test.for(queryFiles)('%s compiles against the grammar and uses only shared capture names', async file => {
    const query = await createQuery(readQuery(file));
    expect(query.patternCount()).toBeGreaterThan(0);
    const unknown = query.captureNames.filter(name => !allowedCaptures[file]!.includes(name));
    expect(unknown).toEqual([]);
  });

  test('tree-sitter.json and grammar/package.json name query files that exist', () => {
    const config = JSON.parse(readFileSync(join(grammarDir, 'tree-sitter.json'), 'utf8')) as {
      grammars: { scope: string; 'file-types': string[]; highlights: string; locals: string; tags: string }[];
    };
    const pkg = JSON.parse(readFileSync(join(grammarDir, 'package.json'), 'utf8')) as {
      'tree-sitter': { scope: string; highlights: string; locals: string; tags: string }[];
    };
    const [grammar] = config.grammars;
    expect(grammar).toMatchObject({ scope: 'source.aria', 'file-types': ['aria'] });
    for (const entry of [grammar!, pkg['tree-sitter'][0]!]) {
      for (const path of [entry.highlights, entry.locals, entry.tags]) expect(existsSync(join(grammarDir, path)), path).toBe(true);
    }
  });

  test('tags: definitions with their doc comments, and references', async () => {
    const captures = await capture('tags.scm', sample);
    const tags = captures.filter(c => c.name.startsWith('definition.') || c.name.startsWith('reference.'));
    const names = captures.filter(c => c.name === 'name').map(c => c.text);
    expect(tags.map(c => c.name)).toEqual([
      'definition.interface', 'definition.method', 'definition.class', 'definition.class', 'reference.implementation',
      'definition.function', 'reference.call', 'reference.module', 'definition.function', 'reference.call',
    ]);
    expect(names).toEqual(['Log', 'log', 'Point', 'Console', 'Log', 'log', 'print', 'net.http', 'inc', 'get']);
    const docs = captures.filter(c => c.name === 'doc').map(c => c.row);
    expect(docs).toEqual(expect.arrayContaining([0, 9, 10]));
  });

  test('tags, folds and locals: an enum is a documented class definition that folds; a bare variant pattern binds nothing', async () => {
    const source = '# A shape.\nenum Shape {\n  Circle(radius: Int)\n  Empty\n}\nfn f(s) = match s\n  case Empty => 0\n  case r => 1\nend\n';
    const tags = await capture('tags.scm', source);
    expect(tags.filter(c => c.name === 'definition.class').map(c => c.row)).toEqual([1]);
    expect(tags.filter(c => c.name === 'name').map(c => c.text)).toContain('Shape');
    expect(tags.filter(c => c.name === 'doc').map(c => c.row)).toEqual([0]);
    expect((await capture('folds.scm', source)).filter(c => c.name === 'fold').map(c => c.row)).toContain(1);
    const definitions = (await capture('locals.scm', source)).filter(c => c.name === 'local.definition').map(c => c.text);
    expect(definitions).toEqual(['radius', 's', 'r']);
  });

  test('locals: scopes, the definitions of parameters and assignments, references', async () => {
    const captures = await capture('locals.scm', sample);
    const definitions = captures.filter(c => c.name === 'local.definition').map(c => c.text);
    expect(definitions).toEqual(['message', 'x', 'y', 'prefix', 'message', 'http', 'n', 'm']);
    expect(captures.filter(c => c.name === 'local.scope').length).toBe(4);
    expect(captures.some(c => c.name === 'local.reference' && c.text === 'n' && c.row === 12)).toBe(true);
  });

  test('folds: multi-line constructs fold', async () => {
    const folds = (await capture('folds.scm', sample)).filter(c => c.name === 'fold').map(c => c.row);
    expect(folds).toEqual(expect.arrayContaining([1, 5, 11]));
  });

  test('indents: blocks begin an indent, end and brackets close it, elif/else/case branch', async () => {
    const source = 'fn f(x)\n  if x\n    1\n  else\n    2\n  end\n  match x\n  case 1 => 2\n  end\nend\n';
    const captures = await capture('indents.scm', source);
    const begins = captures.filter(c => c.name === 'indent.begin').map(c => c.row);
    const branches = captures.filter(c => c.name === 'indent.branch').map(c => `${c.row}:${c.text}`);
    expect(begins).toEqual(expect.arrayContaining([0, 1, 6]));
    expect(branches).toEqual(expect.arrayContaining(['3:else', '5:end', '7:case', '8:end', '9:end']));
  });
});
