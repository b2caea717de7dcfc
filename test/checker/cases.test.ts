// Data-driven checker tests: every .aria case, multi-file case, example and seed snippet against its expectation comments.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe as suite, expect, test } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../analysis/diagnostics.js';
import { actualMarkers, ariaFilesUnder, describe, expectedMarkers, uncodedMarkers, workspaceOf } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const examples = join(repo, 'examples');

/**
 * Checks every file of a workspace against its markers, and that a check for diagnostics only (`aria check`'s, which
 * records no types) gives the same diagnostics, related information included.
 */
async function check(root: string, files: readonly string[], expected: (file: string) => string[]): Promise<void> {
  const ws = await workspaceOf(root, files);
  const once = await workspaceOf(root, files, { diagnosticsOnly: true });
  for (const f of files) {
    const diagnostics = ws.diagnostics(f);
    expect(actualMarkers(ws, ws.path(f), diagnostics), `${f}\n${describe(ws, diagnostics)}`).toEqual(expected(f));
    expect(once.diagnostics(f), `${f}: the check for diagnostics only`).toEqual(diagnostics);
  }
}

const fromMarkers = (f: string) => expectedMarkers(readFileSync(f, 'utf8'));

suite('single-file cases (test/checker/cases)', () => {
  const dir = join(here, 'cases');
  for (const name of readdirSync(dir).filter(n => n.endsWith('.aria')).sort()) {
    test(name, async () => {
      const file = join(dir, name);
      // A case names the diagnostics it expects: a misspelt marker (`# eror: E0101`) would otherwise check nothing.
      expect(expectedMarkers(readFileSync(file, 'utf8')).length, `${name} has no # error:/# warning: marker`).toBeGreaterThan(0);
      await check(dir, [file], fromMarkers);
    });
  }
});

test('every diagnostic code has a case that expects it', () => {
  const texts = [...ariaFilesUnder(join(here, 'cases')), ...ariaFilesUnder(join(here, 'multi'))].map(f => readFileSync(f, 'utf8'));
  const expected = new Set(texts.flatMap(t => expectedMarkers(t).map(m => m.split(': ')[1]!)));
  // E0002 needs thousands of nesting levels: api.test.ts generates such a file instead.
  expect(Object.keys(DIAGNOSTIC_CODES).filter(code => !expected.has(code) && code !== 'E0002')).toEqual([]);
});

suite('multi-file cases (test/checker/multi)', () => {
  const dir = join(here, 'multi');
  for (const name of readdirSync(dir).filter(n => statSync(join(dir, n)).isDirectory()).sort()) {
    test(name, async () => {
      const root = join(dir, name);
      await check(root, ariaFilesUnder(root), fromMarkers);
    });
  }
});

suite('examples check clean or carry their expected diagnostics', () => {
  const files = readdirSync(examples).filter(n => n.endsWith('.aria')).sort();
  test('there are examples', () => {
    expect(files.length).toBeGreaterThan(5);
  });
  for (const name of files) {
    test(name, async () => {
      await check(examples, [join(examples, name)], fromMarkers);
    });
  }
  for (const name of readdirSync(join(examples, 'lib')).filter(n => n.endsWith('.aria')).sort()) {
    test(`lib/${name}`, async () => {
      await check(examples, [join(examples, 'lib', name)], fromMarkers);
    });
  }
  const errors = join(examples, 'errors');
  for (const name of readdirSync(errors).filter(n => n.endsWith('.aria')).sort()) {
    test(`errors/${name}`, async () => {
      const file = join(errors, name);
      const text = readFileSync(file, 'utf8');
      expect(uncodedMarkers(text), 'every marker names its code').toEqual([]);
      expect(expectedMarkers(text).length).toBeGreaterThan(0);
      await check(examples, [file], fromMarkers);
    });
  }
});

suite('seed snippets (expectations in seed-expectations.json)', () => {
  const seed = join(examples, 'seed');
  const expectations = JSON.parse(readFileSync(join(here, 'seed-expectations.json'), 'utf8')) as Record<string, string[]>;
  const files = readdirSync(seed).filter(n => n.endsWith('.aria')).sort();
  test('every seed snippet has expectations', () => {
    expect(Object.keys(expectations).sort()).toEqual(files);
  });
  for (const name of files) {
    test(name, async () => {
      await check(seed, [join(seed, name)], f => expectations[basename(f)] ?? ['(no expectations)']);
    });
  }
});
