// What the checker keeps of a document's text across edits: each version's text is let go once the next one is
// checked. A slice of 13 characters or more of a V8 string keeps its whole parent alive, so a doc comment, a long name
// or an item's text kept in the AST or the type checker's results used to keep the full text of the version it was
// lowered from: one full copy per edit (`detached` in analysis/text-edit.ts).
import { getHeapSnapshot } from 'node:v8';
import { expect, test } from 'vitest';
import { diffEdit } from '../../analysis/text-edit.js';
import { Workspace } from '../../analysis/workspace.js';

const MARKER = '# text-retention-marker';
const ITEMS = 40;

/** A module of documented functions with long names; `version` changes the doc comment and the body of one function. */
function moduleText(version: number): string {
  const out = [MARKER, ''];
  for (let i = 0; i < ITEMS; i++) {
    const edited = i === version % ITEMS;
    out.push(`# Computes the ${i}th figure of the long report (version ${edited ? version : 0}).`);
    out.push(`fn compute_long_report_figure_${i}(first_argument: Int) -> {} Int`);
    out.push(`  accumulated_total_value = first_argument + ${edited ? version * 1000 + i : i}`);
    out.push('  accumulated_total_value * 2');
    out.push('end', '');
  }
  return out.join('\n');
}

/** How many strings in the heap begin with the marker and are at least `length` characters long. */
async function fullTexts(length: number): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const chunks: string[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk));
  const snapshot = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: string[][] } }; nodes: number[]; strings: string[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0]!;
  const [type, name, size] = ['type', 'name', 'self_size'].map(f => fields.indexOf(f));
  let count = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    if (types[snapshot.nodes[i + type!]!] !== 'string') continue;
    // A string's node is named by its text (cut short); its size counts every character.
    if (snapshot.nodes[i + size!]! >= length && snapshot.strings[snapshot.nodes[i + name!]!]!.startsWith(MARKER)) count++;
  }
  return count;
}

test('an edited document keeps no copy of the texts of its earlier versions', async () => {
  const ws = await Workspace.create({ root: '/ws' });
  const path = '/ws/report.aria';
  let text = moduleText(0);
  ws.setFile(path, text);
  ws.diagnostics(path);
  const EDITS = 8;
  for (let v = 1; v <= EDITS; v++) {
    // Each edit rewrites one function's doc comment and body: it is lowered again from the new text and typed again.
    const next = moduleText(v);
    ws.updateFile(path, next, [diffEdit(text, next)!]);
    text = next;
    ws.diagnostics(path);
    ws.names(path);
  }
  expect(ws.module(path)!.items.filter(i => i.kind === 'Fn')).toHaveLength(ITEMS);
  const length = text.length - 200;
  // The workspace's own text of the current version, and this test's: never one per edit.
  expect(await fullTexts(length)).toBeLessThanOrEqual(2);
  ws.dispose();
}, 60_000);
