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
