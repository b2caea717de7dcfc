// Over stdio: what the server pushes when a file changes. Another file's report is sent again only when it changed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LspClient, fileUri } from './lsp-client.js';

const DEP = '# A helper module.\nfn double(x: Int) -> {} Int = x * 2\n';
// main.aria's one diagnostic (an effect it performs but does not declare) does not depend on dep.aria's comments.
const MAIN = 'import dep\n\nfn show(x: Int) -> {} Unit = print(dep.double(x))\n\nshow(21)\n';

describe('pushed diagnostics', () => {
  let dir: string;
  let client: LspClient;
  let dep: string;
  let main: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aria-publish-'));
    writeFileSync(join(dir, 'dep.aria'), DEP);
    writeFileSync(join(dir, 'main.aria'), MAIN);
    dep = fileUri(join(dir, 'dep.aria'));
    main = fileUri(join(dir, 'main.aria'));
    client = await LspClient.start({ root: dir });
    await client.open(main, MAIN);
    await client.open(dep, DEP);
    expect((await client.waitForDiagnostics(main, d => d.version === 1)).map(d => d.code)).toEqual(['E0202']);
    await client.waitForDiagnostics(dep, d => d.version === 1);
  });
  afterAll(async () => {
    await client?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The reports for `uri` received so far; a request answered after them (they come first on the stream). */
  const sentFor = async (uri: string): Promise<number> => {
    await client.request('textDocument/documentSymbol', { textDocument: { uri: dep } });
    return client.publishLog.filter(p => p.uri === uri).length;
  };

  test('an edit of an imported file that leaves the importer\'s report as it was sends the importer nothing', async () => {
    const before = await sentFor(main);
    for (const comment of ['# one\n', '# two\n', '# three\n']) {
      const version = await client.change(dep, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: comment }]);
      await client.waitForDiagnostics(dep, d => d.version === version, true);
    }
    expect(await sentFor(main)).toBe(before);
  });

  test('an edit of an imported file that changes the importer\'s report sends it', async () => {
    const before = await sentFor(main);
    // `double` now performs IO: main.aria's `show` calls it without declaring IO, a second error there.
    const text = '# A helper module.\nfn double(x: Int) -> {IO} Int\n  print(x)\n  x * 2\nend\n';
    const version = await client.change(dep, [{ text }]);
    await client.waitForDiagnostics(dep, d => d.version === version, true);
    const report = await client.waitForDiagnostics(main, () => true, true);
    expect(report.length).toBeGreaterThan(1);
    expect(await sentFor(main)).toBe(before + 1);
  });
});
