// After an edit the checker reuses what it can (the untouched items' ASTs and what checking them gave): every
// diagnostic and row must still equal what a workspace that checks the new text from scratch reports.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Workspace } from '../../analysis/workspace.js';
import { ariaFiles, examplesDir } from '../grammar/example-files.js';
import { rng } from '../support/random.js';

const examples = ariaFiles().map(path => ({ name: path.slice(examplesDir.length + 1), text: readFileSync(path, 'utf8') }));

const SNIPPETS = [
  '', 'x', '1', '(', ')', 'end', '\n', ' {IO}', '{}', '"', '# note\n', 'fn g()\n', '  print(1)\n', '  sleep(1.ms)\n',
  '  Cancel.check()\n', 'import a.b\n', '|x| x', 'with Cancel.timeout(1.ms)\n', 'fn dup() = 1\n', 'fn main() = print(2)\n',
];

/** What a user sees: every diagnostic with its place, and every function's rows. */
function report(ws: Workspace, path: string): string {
  const diagnostics = ws.diagnostics(path).map(d => ({ code: d.code, span: d.span, message: d.message, related: d.related }));
  const rows = ws.functionRows(path).map(r => ({ id: r.id, name: r.name, span: r.nameSpan, declared: r.declared, inferred: r.inferred }));
  return JSON.stringify({ diagnostics, rows });
}

describe('checking again after an edit', () => {
  test.each(examples)('$name: 40 random edits report what a fresh check of the same text reports', async ({ name, text: original }) => {
    const next01 = rng(name.length * 104_729 + original.length);
    const int = (n: number) => Math.floor(next01() * n);
    const path = '/t/main.aria';
    // Every shortcut the type checker's item reuse takes is checked against the comparison it stands for.
    const mismatches: string[] = [];
    const ws = await Workspace.create({ root: '/t', onShortcutMismatch: what => mismatches.push(what) });
    ws.setFile(path, original);
    ws.diagnostics(path);
    let text = original;
    let compared = 0;
    for (let step = 0; step < 40; step++) {
      const start = int(text.length + 1);
      const end = Math.min(text.length, start + int(8));
      const insert = SNIPPETS[int(SNIPPETS.length)]!;
      text = text.slice(0, start) + insert + text.slice(end);
      ws.updateFile(path, text, [{ start, end, text: insert }]);
      const fresh = await Workspace.create({ root: '/t' });
      fresh.setFile(path, text);
      // An incremental reparse of broken text can recover differently from a fresh parse: compare the checking
      // only where both parses agree.
      if (ws.syntaxTree(path)!.rootNode.toString() === fresh.syntaxTree(path)!.rootNode.toString()) {
        expect(report(ws, path), `after edit ${step} (${JSON.stringify(insert)} at ${start})`).toBe(report(fresh, path));
        compared++;
      }
      fresh.dispose();
    }
    expect(compared).toBeGreaterThan(30);
    expect(mismatches).toEqual([]);
    ws.dispose();
  });

  test('an item that becomes (or stops being) a duplicate, and local functions that move, are checked again', async () => {
    const path = '/t/main.aria';
    const base = [
      'print(0)',
      '',
      'fn helper(x) -> {IO} Unit = print(x)',
      '',
      'fn outer(n)',
      '  fn inner(y) = y + 1',
      '  inner(n)',
      'end',
      '',
      'fn caller() -> {IO} Unit = helper(1)',
      '',
    ].join('\n');
    const steps = [
      (t: string) => `${t}# an edit first: a file keeps its items' results once it is being edited\n`,
      (t: string) => `fn helper(x) -> {} Unit = x\n\n${t}`, // a new first \`helper\` before the old one (same signature)
      (t: string) => t.replace('fn helper(x) -> {} Unit = x\n\n', ''), // and gone again
      (t: string) => `# moved down\n\n\n${t}`, // the local function \`inner\` moves
      (t: string) => t.replace('fn caller() -> {IO} Unit = helper(1)', 'fn caller() -> {} Unit = helper(1)'),
    ];
    const ws = await Workspace.create({ root: '/t' });
    ws.setFile(path, base);
    ws.diagnostics(path);
    let text = base;
    for (const [i, step] of steps.entries()) {
      text = step(text);
      ws.updateFile(path, text);
      const fresh = await Workspace.create({ root: '/t' });
      fresh.setFile(path, text);
      expect(report(ws, path), `step ${i}`).toBe(report(fresh, path));
      fresh.dispose();
    }
    ws.dispose();
  });
});
