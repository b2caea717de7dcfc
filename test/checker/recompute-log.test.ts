// Incrementality, tested by what is done again (the recompute log), not only by answers equal to a fresh check's:
// after an edit inside one function's body, only that function is lowered, analysed and type-checked again.
import { describe, expect, test } from 'vitest';
import { Workspace, type Recompute } from '../../analysis/workspace.js';

const text = [
  '# Doubles a number.',
  'fn double(n: Int) -> Int = n * 2',
  '',
  'fn shout(s: String) -> {IO} Unit',
  '  print(s)',
  'end',
  '',
  'fn twice(f: () -> {IO} Unit) -> {IO} Unit',
  '  f()',
  '  f()',
  'end',
  '',
  'fn main() -> {IO} Unit',
  '  twice(|| shout("hi"))',
  '  print(double(2))',
  'end',
  '',
].join('\n');

async function logged(): Promise<{ ws: Workspace; log: Recompute[]; done: (step: Recompute['step']) => string[] }> {
  const log: Recompute[] = [];
  const ws = await Workspace.create({ root: '/virtual', readFile: () => undefined, onRecompute: e => log.push(e) });
  const done = (step: Recompute['step']) => log.filter(e => e.step === step).map(e => e.item).sort();
  return { ws, log, done };
}

describe('the recompute log', () => {
  test('a first check does every item; an edit inside one body redoes that item alone', async () => {
    const { ws, log, done } = await logged();
    ws.setFile('/virtual/a.aria', text);
    expect(ws.diagnostics('/virtual/a.aria')).toEqual([]);
    const all = ['double', 'main', 'shout', 'twice'];
    expect(done('lower')).toEqual(all);
    expect(done('analyse')).toEqual(all);
    expect(done('type')).toEqual(all);

    // The file is being edited from here (the analysis keeps per-item results for such files).
    log.length = 0;
    ws.updateFile('/virtual/a.aria', text.replace('  f()\n  f()', '  f()\n  f()\n  f()'));
    expect(ws.diagnostics('/virtual/a.aria')).toEqual([]);
    expect(done('lower')).toEqual(['twice']);
    expect(done('type')).toEqual(['twice']);

    log.length = 0;
    ws.updateFile('/virtual/a.aria', text.replace('  print(s)', '  print("#{s}!")'));
    expect(ws.diagnostics('/virtual/a.aria')).toEqual([]);
    expect(done('lower')).toEqual(['shout', 'twice']);
    expect(done('analyse')).toEqual(['shout', 'twice']);
    expect(done('type')).toEqual(['shout', 'twice']);

    // A comment above everything moves every item: nothing is done again but the first item, whose doc it is.
    log.length = 0;
    const moved = `# A new first line.\n${text.replace('  print(s)', '  print("#{s}!")')}`;
    ws.updateFile('/virtual/a.aria', moved);
    expect(ws.diagnostics('/virtual/a.aria')).toEqual([]);
    expect(done('lower')).toEqual(['double']);
    expect(done('analyse')).toEqual(['double']);
    expect(done('type')).toEqual(['double']);
    expect(ws.typeAt('/virtual/a.aria', moved.indexOf('n * 2'))?.type).toBe('Int');
  });

  test('an edit that changes a function\'s type checks what uses it again, and no more', async () => {
    const { ws, log, done } = await logged();
    ws.setFile('/virtual/a.aria', text);
    ws.diagnostics('/virtual/a.aria');
    log.length = 0;
    ws.updateFile('/virtual/a.aria', text.replace('fn double(n: Int) -> Int = n * 2', 'fn double(n: Int) -> String = "#{n}#{n}"'));
    expect(ws.diagnostics('/virtual/a.aria')).toEqual([]);
    expect(done('lower')).toEqual(['double']);
    // `main` prints `double(2)`: its check read `double`'s type. `shout` and `twice` did not.
    expect(done('type')).toEqual(['double', 'main']);
  });
});

test('a check as aria check makes it (closed files, no AST kept) lowers each item once, imports loaded on the way', async () => {
  const log: Recompute[] = [];
  const lib = 'fn helper(n: Int) -> Int = n + 1\n\nfn other() -> {IO} Unit\n  print("x")\nend\n';
  const ws = await Workspace.create({
    root: '/virtual', closedAstBudget: 0, diagnosticsOnly: true, onRecompute: e => log.push(e),
    readFile: p => (p === '/virtual/lib.aria' ? lib : undefined),
  });
  ws.setFile('/virtual/a.aria', `import lib\n\n${text}print(lib.helper(1))\n`, { keepTree: false });
  const all = ws.allDiagnostics();
  expect([...all.values()].flat()).toEqual([]);
  expect(ws.filePaths({ imports: true }).sort()).toEqual(['/virtual/a.aria', '/virtual/lib.aria']);
  const lowered = log.filter(e => e.step === 'lower').map(e => `${e.path.slice('/virtual/'.length)} ${e.item}`).sort();
  expect(lowered).toEqual(['a.aria (top level)', 'a.aria double', 'a.aria import lib', 'a.aria main', 'a.aria shout', 'a.aria twice', 'lib.aria helper', 'lib.aria other']);
});
