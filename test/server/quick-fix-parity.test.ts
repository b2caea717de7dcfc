// `aria check`'s `help:` suggestion is the editor's quick fix: for every diagnostic the editor fixes, the first fix
// the server offers (its preferred one) makes the same edits as analysis/quick-fixes.ts computes for the CLI.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LineIndex } from '../../analysis/line-index.js';
import { preferredFix } from '../../analysis/quick-fixes.js';
import { Workspace } from '../../analysis/workspace.js';
import { LspClient, REPO, fileUri } from './lsp-client.js';

const errors = resolve(REPO, 'examples', 'errors');
const FILES = ['missing-io.aria', 'unused-effect.aria', 'unhandled-cancel.aria', 'handler-missing-op.aria'];
const FIXED = new Set(['E0202', 'E0203', 'W0201', 'E0206']);

let client: LspClient;
let ws: Workspace;

beforeAll(async () => {
  client = await LspClient.start({ root: errors });
  ws = await Workspace.create({ root: errors, readFile: path => readFileSync(path, 'utf8') });
}, 60_000);

afterAll(async () => {
  await client.stop();
  ws.dispose();
});

describe('the CLI suggests the edit the editor offers', () => {
  test.each(FILES)('%s', async name => {
    const path = join(errors, name);
    const text = readFileSync(path, 'utf8');
    const uri = fileUri(path);
    await client.open(uri, text);
    const published = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0);
    ws.setFile(path, text);
    const lines = new LineIndex(text);
    const offset = (p: { line: number; character: number }) => lines.offset({ line: p.line, column: p.character });
    let compared = 0;
    for (const d of published.filter((x: Diagnostic) => FIXED.has(String(x.code)))) {
      const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      const offered = actions.find(a => a.isPreferred) ?? actions[0];
      const analysed = ws.diagnostics(path).find(a => a.code === d.code && a.span.start === offset(d.range.start));
      expect(analysed, `${name}: ${d.message}`).toBeDefined();
      const fix = preferredFix(analysed!, { module: ws.module(path)!, text });
      if (!offered) {
        expect(fix, `${name}: the editor offers no fix for ${d.code} at line ${d.range.start.line + 1}`).toBeUndefined();
        continue;
      }
      const edits = (offered.edit?.changes?.[uri] ?? []).map(e => ({ start: offset(e.range.start), end: offset(e.range.end), newText: e.newText }));
      expect(fix?.edits, `${name}: ${offered.title}`).toEqual(edits);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
    await client.close(uri);
  });
});
