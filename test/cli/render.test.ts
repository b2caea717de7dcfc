// cli/render.ts: printing a check's diagnostics with their `help:` fixes reads each file's AST once, not once per diagnostic.
import { expect, test } from 'vitest';
import { formatDiagnostics } from '../../cli/render.js';
import { makeStyle } from '../../cli/style.js';
import { Workspace, type Recompute } from '../../analysis/workspace.js';

const LIB = 'effect Log {\n  fn log(msg: String) -> Unit\n}\n\nhandler Quiet for Log {\n  fn log(msg) = ()\n}\n';
const CALLS = 30;
const USER = `import lib\n\n${Array.from({ length: CALLS }, (_, i) => `Log.log("call ${i}")`).join('\n')}\n`;
const BYSTANDER = `${Array.from({ length: 40 }, (_, i) => `fn f${i}(x: Int) -> {} Int = x + ${i}`).join('\n')}\nprint(f0(1))\n`;

test('aria check prints many fixes of one file lowering it and its imports at most once, as the workspace keeps no AST', async () => {
  const events: Recompute[] = [];
  // As `aria check` makes it: closed files, no AST kept beyond the one lowered last.
  const ws = await Workspace.create({ root: '/ws', closedAstBudget: 0, onRecompute: e => events.push(e) });
  ws.setFile('/ws/lib.aria', LIB, { keepTree: false });
  ws.setFile('/ws/user.aria', USER, { keepTree: false });
  ws.setFile('/ws/other.aria', BYSTANDER, { keepTree: false });
  const all = ['/ws/lib.aria', '/ws/user.aria', '/ws/other.aria'].flatMap(p => ws.diagnostics(p));
  expect(all.filter(d => d.code === 'E0203')).toHaveLength(CALLS);
  events.length = 0;
  const out = formatDiagnostics(ws, all, 3, '/ws', makeStyle(false));
  // Each diagnostic gets the fix the editor offers, naming the imported module's handler.
  expect(out.match(/help: wrap it in `with Quiet`/g)).toHaveLength(CALLS);
  const lowered = (path: string) => events.filter(e => e.step === 'lower' && e.path === path).length;
  // One lowering of user.aria is its import and its statements; the file nobody imports is not read at all.
  expect(lowered('/ws/user.aria')).toBeLessThanOrEqual(CALLS + 1);
  expect(lowered('/ws/lib.aria')).toBeLessThanOrEqual(2);
  expect(lowered('/ws/other.aria')).toBe(0);
  ws.dispose();
});

test('printing a chain of files, each importing the one before, lowers each file once: an import is the file just printed', async () => {
  const events: Recompute[] = [];
  const ws = await Workspace.create({ root: '/ws', closedAstBudget: 0, onRecompute: e => events.push(e) });
  const FILES = 6;
  const paths: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const own = `effect Log${i} {\n  fn log(msg: String) -> Unit\n}\n\nhandler Quiet${i} for Log${i} {\n  fn log(msg) = ()\n}\n`;
    const uses = i > 0 ? `import m${i - 1}\n\nLog${i - 1}.log("from ${i}")\n` : '';
    paths.push(`/ws/m${i}.aria`);
    ws.setFile(`/ws/m${i}.aria`, `${uses}${own}`, { keepTree: false });
  }
  const all = paths.flatMap(p => ws.diagnostics(p));
  expect(all.filter(d => d.code === 'E0203')).toHaveLength(FILES - 1);
  events.length = 0;
  const out = formatDiagnostics(ws, all, FILES, '/ws', makeStyle(false));
  expect(out.match(/help: wrap it in `with Quiet\d`/g)).toHaveLength(FILES - 1);
  // Each file is lowered for its own diagnostics, and its import comes from the file printed before it.
  for (const p of paths.slice(1)) expect(new Set(events.filter(e => e.step === 'lower' && e.path === p).map(e => e.item)).size, p).toBeGreaterThan(0);
  const lowerings = (p: string) => events.filter(e => e.step === 'lower' && e.path === p && e.item === '(top level)').length;
  for (const p of paths) expect(lowerings(p), p).toBeLessThanOrEqual(1);
  ws.dispose();
});
