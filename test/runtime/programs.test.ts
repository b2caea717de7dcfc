// Data-driven: every test/runtime/programs/*.aria and examples/*.aria runs and prints what its `# output:` lines say.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Module } from '../../analysis/syntax/ast.js';
import { lowerModule } from '../../analysis/syntax/lower.js';
import { parse } from '../../grammar/parser.js';
import { loadProgram, runProgram } from '../../runtime/index.js';
import { expectationsOf, runFile } from './helpers.js';

const here = import.meta.dirname;
const programsDir = join(here, 'programs');
const examplesDir = join(here, '..', '..', 'examples');

function ariaFiles(dir: string): string[] {
  return readdirSync(dir).filter(f => f.endsWith('.aria')).sort().map(f => join(dir, f));
}

async function check(path: string): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const want = expectationsOf(text);
  const r = await runFile(path, want.options);
  const got = r.output.endsWith('\n') ? r.output.slice(0, -1).split('\n') : r.output === '' ? [] : r.output.split('\n');
  expect(got, r.failureText).toEqual(want.output);
  expect(r.exitCode, r.failureText).toBe(want.exit ?? (want.failure ? 1 : 0));
  if (want.failure) {
    expect(r.failure?.kind, r.failureText).toBe(want.failure);
    // Reports carry Aria stacks, never JS ones.
    expect(r.failureText).not.toMatch(/\.ts:\d+|\.js:\d+|at Object\.|node:internal/);
  }
  if (want.failureAt) {
    const top = r.failure?.stack[0] ?? r.failure?.cause?.stack[0];
    expect(top ? `${top.line}:${top.column}` : undefined, r.failureText).toBe(want.failureAt);
  }
  for (const m of want.messages) expect(r.failureText ?? '').toContain(m);
}

describe('runtime programs', () => {
  for (const path of ariaFiles(programsDir)) {
    it(path.slice(programsDir.length + 1), () => check(path));
  }
});

describe('examples', () => {
  for (const path of ariaFiles(examplesDir)) {
    it(path.slice(examplesDir.length + 1), () => check(path));
  }
});

describe('loading with ASTs made elsewhere', () => {
  it('uses an AST a checker made for the same text instead of parsing again, under the loader\'s path', async () => {
    const main = 'import lib.util\nprint(util.twice(21))\n';
    const util = 'fn twice(x: Int) -> Int = x * 2\n';
    const files = { 'app/lib/util.aria': util };
    const made = new Map<string, Module>();
    for (const [path, text] of [['/abs/app/main.aria', main], ['/abs/app/lib/util.aria', util]] as const) {
      const tree = await parse(text);
      made.set(path, lowerModule(tree, text, path));
      tree.delete();
    }
    const asked: string[] = [];
    const lowered = (path: string, text: string) => {
      asked.push(path);
      const ast = made.get(`/abs/${path}`);
      return ast && text === (path.endsWith('main.aria') ? main : util) ? ast : undefined;
    };
    const { program } = await loadProgram(main, { path: 'app/main.aria', files, lowered });
    expect(asked).toEqual(['app/main.aria', 'app/lib/util.aria']);
    const entry = program.modules.get('app/main.aria')!;
    expect(entry.ast.path).toBe('app/main.aria');
    expect(entry.ast.items).toBe(made.get('/abs/app/main.aria')!.items);
    const r = await runProgram(main, { path: 'app/main.aria', files, lowered });
    expect(r.output).toBe('42\n');
  });
});
