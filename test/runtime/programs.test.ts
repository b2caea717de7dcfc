// Data-driven: every test/runtime/programs/*.aria and examples/*.aria runs and prints what its `# output:` lines say.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
