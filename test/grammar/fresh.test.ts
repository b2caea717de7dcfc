// Fails when grammar.js, src/grammar.json, src/parser.c, src/scanner.c and the .wasm are out of step (run npm run build:grammar).
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Language } from 'web-tree-sitter';
import { loadAria } from '../../grammar/parser.js';
import { grammarDir } from './corpus-format.js';
import { evaluateGrammar } from './grammar-dsl.js';

type Hashes = Record<string, string>;
interface StampModule { currentHashes(): Hashes; readStamp(): Hashes }

const stampedFiles = ['grammar.js', 'src/scanner.c', 'src/parser.c', 'src/grammar.json', 'tree-sitter-aria.wasm'];
const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');

/** Files whose hash differs from the one src/STAMP.json recorded when the parser was last built. */
function staleAgainstStamp(dir: string): string[] {
  const stamp = JSON.parse(read(dir, 'src/STAMP.json')) as Hashes;
  return stampedFiles.filter(f => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex') !== stamp[f]);
}

/** True when src/grammar.json is what grammar.js evaluates to. */
function grammarJsonAgrees(dir: string): boolean {
  return isDeepStrictEqual(evaluateGrammar(read(dir, 'grammar.js')), JSON.parse(read(dir, 'src/grammar.json')));
}

/** Differences between the tables of src/parser.c and the language the .wasm was built from. */
function parserMismatches(parserC: string, language: Language): string[] {
  const define = (name: string): number => Number(new RegExp(`#define ${name} (\\d+)`).exec(parserC)?.[1] ?? NaN);
  const strings = (array: string): (string | null)[] => {
    const body = new RegExp(`${array}\\[\\] = \\{([\\s\\S]*?)\\n\\};`).exec(parserC)?.[1] ?? '';
    return [...body.matchAll(/^\s*\[[^\]]+\] = (NULL|"(?:[^"\\]|\\.)*"),$/gm)].map(m => (m[1] === 'NULL' ? null : JSON.parse(m[1]!) as string));
  };
  const mismatches: string[] = [];
  const expectSame = (what: string, fromC: unknown, fromWasm: unknown): void => {
    if (!isDeepStrictEqual(fromC, fromWasm)) mismatches.push(`${what}: parser.c ${JSON.stringify(fromC)}, wasm ${JSON.stringify(fromWasm)}`);
  };
  expectSame('ABI version', define('LANGUAGE_VERSION'), language.abiVersion);
  expectSame('state count', define('STATE_COUNT'), language.stateCount);
  expectSame('symbol count', define('SYMBOL_COUNT') + define('ALIAS_COUNT'), language.nodeTypeCount);
  expectSame('field count', define('FIELD_COUNT'), language.fieldCount);
  const symbolNames = Array.from({ length: language.nodeTypeCount }, (_, id) => language.nodeTypeForId(id));
  expectSame('symbol names', strings('ts_symbol_names').slice(1), symbolNames.slice(1));
  expectSame('field names', strings('ts_field_names').slice(1), language.fields.slice(1));
  return mismatches;
}

/** The keywords grammar.json spells (string tokens that look like names), sorted. */
function grammarKeywords(grammarJson: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const rule = value as { type?: string; value?: unknown };
      if (rule.type === 'STRING' && typeof rule.value === 'string' && /^[A-Za-z_]\w*$/.test(rule.value)) found.add(rule.value);
      Object.values(value).forEach(walk);
    }
  };
  walk((grammarJson as { rules: unknown }).rules);
  return [...found].sort();
}

/** The words src/scanner.c refuses as identifiers, sorted. */
function scannerReserved(scannerC: string): string[] {
  const body = /RESERVED\[\] = \{([\s\S]*?)\};/.exec(scannerC)?.[1] ?? '';
  return [...body.matchAll(/"(\w+)"/g)].map(m => m[1]!).sort();
}

let language: Language;
beforeAll(async () => {
  language = await loadAria();
});

describe('grammar freshness', () => {
  test('every generated file has the hash src/STAMP.json recorded (scripts/grammar-stamp.mjs)', async () => {
    const stamp = (await import(pathToFileURL(join(grammarDir, '..', 'scripts', 'grammar-stamp.mjs')).href)) as StampModule;
    const recorded = stamp.readStamp();
    const current = stamp.currentHashes();
    expect(Object.keys(recorded).sort()).toEqual([...stampedFiles].sort());
    expect(stampedFiles.filter(f => recorded[f] !== current[f])).toEqual([]);
  });

  test('src/grammar.json is what grammar.js evaluates to', () => {
    expect(grammarJsonAgrees(grammarDir)).toBe(true);
  });

  test('the .wasm was built from src/parser.c (counts, symbol and field names)', () => {
    expect(parserMismatches(read(grammarDir, 'src/parser.c'), language)).toEqual([]);
  });

  test('the scanner reserves exactly the keywords of the grammar', () => {
    const keywords = grammarKeywords(JSON.parse(read(grammarDir, 'src/grammar.json')));
    expect(keywords.length).toBeGreaterThan(20);
    expect(scannerReserved(read(grammarDir, 'src/scanner.c'))).toEqual(keywords);
  });
});

describe('the freshness checks catch an edit made without regenerating', () => {
  let copy: string;
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'aria-grammar-'));
    for (const f of [...stampedFiles, 'src/STAMP.json']) cpSync(join(grammarDir, f), join(copy, f));
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  test('an untouched copy passes', () => {
    expect(staleAgainstStamp(copy)).toEqual([]);
    expect(grammarJsonAgrees(copy)).toBe(true);
  });

  test.for([
    ['a new keyword', (s: string) => s.replace("break_statement: _ => 'break',", "break_statement: _ => choice('break', 'stop'),")],
    ['a changed precedence', (s: string) => s.replace('multiplicative: 7,', 'multiplicative: 5,')],
    ['a renamed field', (s: string) => s.replace("field('iterable',", "field('collection',")],
  ] as const)('grammar.js with %s', ([, edit]) => {
    const original = read(copy, 'grammar.js');
    const edited = edit(original);
    expect(edited).not.toBe(original);
    writeFileSync(join(copy, 'grammar.js'), edited);
    try {
      expect(staleAgainstStamp(copy)).toEqual(['grammar.js']);
      expect(grammarJsonAgrees(copy)).toBe(false);
    } finally {
      writeFileSync(join(copy, 'grammar.js'), original);
    }
  });

  test('a parser.c regenerated without rebuilding the wasm', () => {
    const parserC = read(copy, 'src/parser.c').replace(/#define STATE_COUNT (\d+)/, (_, n: string) => `#define STATE_COUNT ${Number(n) + 1}`);
    expect(parserMismatches(parserC, language)).toEqual([expect.stringMatching(/^state count/)]);
  });

  test('a keyword missing from the scanner', () => {
    const scannerC = read(copy, 'src/scanner.c').replace('"while", ', '');
    const keywords = grammarKeywords(JSON.parse(read(copy, 'src/grammar.json')));
    expect(scannerReserved(scannerC)).not.toEqual(keywords);
  });
});
