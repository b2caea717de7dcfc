// Loads the grammar and queries into a real (headless) Neovim as docs/grammar.md describes, and checks its highlights.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Parser, Query } from 'web-tree-sitter';
import { createParser, createQuery } from '../../grammar/parser.js';
import { grammarDir } from './corpus-format.js';
import { highlightAt, highlightNodes, parseAssertions } from './highlight-check.js';
import { missingTool } from '../support/ci.js';

const here = dirname(fileURLToPath(import.meta.url));
const has = (command: string): boolean => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
const compiler = ['cc', 'clang', 'gcc'].find(has);
const missing = missingTool('neovim.test', !has('nvim') ? 'nvim is not on PATH (apt-get install -y neovim)' : compiler === undefined ? 'no C compiler (cc, clang or gcc)' : undefined);

// In CI (`CI=true`) a suite that cannot run fails instead of passing silently.
test.runIf(missing.failure !== undefined)('the Neovim suite can run', () => {
  throw new Error(missing.failure);
});
const highlightDir = join(grammarDir, 'test', 'highlight');
const files = readdirSync(highlightDir).filter(f => f.endsWith('.aria')).sort();

interface NeovimAnswer {
  language: string;
  queries: Record<string, string>;
  results: { file: string; captures: (string | null)[] }[];
}

describe.skipIf(missing.skip)('Neovim (headless) with the grammar on its runtimepath', () => {
  let runtime: string;
  let parser: Parser;
  let highlights: Query;
  let answer: NeovimAnswer;
  const positions = new Map<string, { row: number; column: number }[]>();

  beforeAll(async () => {
    // The layout nvim-treesitter and plain Neovim both read: parser/aria.so and queries/aria/*.scm.
    runtime = mkdtempSync(join(tmpdir(), 'aria-nvim-'));
    mkdirSync(join(runtime, 'parser'));
    mkdirSync(join(runtime, 'queries', 'aria'), { recursive: true });
    execFileSync(compiler!, ['-shared', '-fPIC', '-O1', '-I', join(grammarDir, 'src'), join(grammarDir, 'src', 'parser.c'),
      join(grammarDir, 'src', 'scanner.c'), '-o', join(runtime, 'parser', 'aria.so')]);
    cpSync(join(grammarDir, 'queries'), join(runtime, 'queries', 'aria'), { recursive: true });

    parser = await createParser();
    highlights = await createQuery(readFileSync(join(grammarDir, 'queries', 'highlights.scm'), 'utf8'));
    const request = files.map(file => {
      const tree = parser.parse(readFileSync(join(highlightDir, file), 'utf8'))!;
      const points = parseAssertions(tree).map(a => ({ row: a.row, column: a.column }));
      positions.set(file, points);
      return { file: join(highlightDir, file), positions: points.map(p => [p.row, p.column]) };
    });
    const output = execFileSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', `set rtp^=${runtime}`,
      '-c', `luafile ${join(here, 'neovim', 'captures.lua')}`, '-c', 'qa!'], {
      encoding: 'utf8',
      env: { ...process.env, ARIA_NVIM_REQUEST: JSON.stringify(request), XDG_CONFIG_HOME: runtime, XDG_DATA_HOME: runtime, XDG_STATE_HOME: runtime },
      timeout: 60_000,
    });
    answer = JSON.parse(output.trim().split('\n').at(-1)!) as NeovimAnswer;
  }, 120_000);

  afterAll(() => {
    if (runtime) rmSync(runtime, { recursive: true, force: true });
  });

  test('Neovim loads the parser and compiles all five queries', () => {
    expect(answer.language).toBe('ok');
    expect(answer.queries).toEqual({ highlights: 'ok', locals: 'ok', folds: 'ok', indents: 'ok', tags: 'ok' });
  });

  // Neovim does not resolve locals for highlighting, so the reference to compare with is the highlights query alone.
  test.for(files)('Neovim highlights %s as tree-sitter does without locals', file => {
    const tree = parser.parse(readFileSync(join(highlightDir, file), 'utf8'))!;
    const nodes = highlightNodes(tree, highlights, undefined);
    const expected = positions.get(file)!.map(p => highlightAt(nodes, p.row, p.column) ?? null);
    const result = answer.results.find(r => r.file.endsWith(`/${file}`));
    expect(expected.length).toBeGreaterThan(0);
    expect(result?.captures).toEqual(expected);
  });
});
