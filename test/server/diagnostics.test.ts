// End-to-end over stdio: the checker's diagnostics for every example (as its `# error:`/`# warning:` markers say),
// workspace diagnostics at start-up with progress, pull diagnostics, and settings.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Diagnostic, DocumentDiagnosticReport, InitializeResult } from 'vscode-languageserver-protocol';
import { Workspace } from '../../analysis/workspace.js';
import { FULL_CAPABILITIES, LspClient, REPO, fileUri } from './lsp-client.js';
import { moduleText } from './workload.js';

function ariaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? ariaFiles(full) : name.endsWith('.aria') ? [full] : [];
  });
}

/** `line:CODE` for every `# error: CODE` / `# warning: CODE` marker. */
function expectedMarkers(text: string): string[] {
  return text.split('\n').flatMap((line, i) => {
    const m = /#\s*(error|warning):\s*([EW]\d{4})/.exec(line);
    return m ? [`${i}:${m[2]}`] : [];
  }).sort();
}

/** The checker's own expectations for the seed snippets (which use names the snippets never define). */
const seedExpectations = JSON.parse(readFileSync(resolve(REPO, 'test/checker/seed-expectations.json'), 'utf8')) as Record<string, string[]>;

function expected(file: string, text: string): string[] {
  if (file.includes('/seed/')) {
    return (seedExpectations[file.slice(file.lastIndexOf('/') + 1)] ?? []).map(e => {
      const [line, code] = e.split(':').map(s => s.trim());
      return `${Number(line) - 1}:${code}`;
    }).sort();
  }
  return expectedMarkers(text);
}

const actual = (diagnostics: Diagnostic[]) => diagnostics.map(d => `${d.range.start.line}:${String(d.code)}`).sort();

const examples = resolve(REPO, 'examples');
const files = ariaFiles(examples);

describe('diagnostics of every example match its markers', () => {
  let client: LspClient;
  beforeAll(async () => {
    client = await LspClient.start({ root: examples });
  });
  afterAll(async () => {
    await client?.stop();
  });

  test.each(files.map(f => [relative(examples, f), f]))('%s', async (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const uri = fileUri(file);
    await client.open(uri, text);
    const diagnostics = await client.waitForDiagnostics(uri, d => d.version === 1);
    expect(actual(diagnostics)).toEqual(expected(file, text));
    for (const d of diagnostics) {
      expect(d.source).toBe('aria');
      expect(d.severity).toBe(String(d.code).startsWith('E') ? 1 : 2);
    }
  });

  test('an effect error carries the call chain as related information', async () => {
    const file = resolve(examples, 'errors/missing-io.aria');
    const diagnostics = await client.waitForDiagnostics(fileUri(file));
    const viaLogLine = diagnostics.find(d => String(d.message).includes('sum_and_log'))!;
    expect(viaLogLine.message).toMatch(/log_line/);
    expect(viaLogLine.relatedInformation?.some(r => r.location.uri === fileUri(file))).toBe(true);
  });
});

describe('workspace diagnostics at start-up', () => {
  test('every file of the workspace is checked with work-done progress, without opening any', async () => {
    const client = await LspClient.start({ root: resolve(examples, 'errors') });
    try {
      const missing = fileUri(resolve(examples, 'errors/missing-io.aria'));
      const diagnostics = await client.waitForDiagnostics(missing, d => d.diagnostics.length > 0);
      expect(actual(diagnostics)).toEqual(expectedMarkers(readFileSync(resolve(examples, 'errors/missing-io.aria'), 'utf8')));
      const kind = (p: unknown) => (p as { value: { kind: string } }).value.kind;
      await client.waitForProgress(p => kind(p) === 'end');
      expect(kind(client.progress[0])).toBe('begin');
    } finally {
      await client.stop();
    }
  });

  test('a folder with aria.toml is scanned as aria check checks it: its roots, without its excludes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-project-'));
    const bad = 'fn f() -> {} Unit\n  print("x")\nend\n';
    mkdirSync(join(dir, 'src', 'fixtures'), { recursive: true });
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'aria.toml'), 'roots = ["src"]\nexclude = ["src/fixtures"]\n');
    writeFileSync(join(dir, 'src', 'main.aria'), bad);
    writeFileSync(join(dir, 'src', 'fixtures', 'broken.aria'), bad);
    writeFileSync(join(dir, 'other', 'elsewhere.aria'), bad);
    const client = await LspClient.start({ root: dir });
    try {
      await client.waitForDiagnostics(fileUri(join(dir, 'src', 'main.aria')), d => d.diagnostics.length > 0);
      // The start-up scan is over (its progress ended): every file it would report is reported.
      await client.waitForProgress(p => (p as { value: { kind: string } }).value.kind === 'end');
      const published = client.publishLog.map(p => p.uri);
      expect(published).not.toContain(fileUri(join(dir, 'src', 'fixtures', 'broken.aria')));
      expect(published).not.toContain(fileUri(join(dir, 'other', 'elsewhere.aria')));
    } finally {
      await client.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a workspace larger than one check batch (256 KB) is checked in batches: every file reports as a fresh check does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-batches-'));
    try {
      mkdirSync(join(dir, 'pkg'));
      const texts = new Map<string, string>();
      for (let i = 0; i < 6; i++) {
        // Each file imports the one before it, and declares a row that one of its functions breaks.
        const text = `${moduleText(5_000, `B${i}`, i > 0 ? [`pkg.m${i - 1}`] : [])}\nfn broken_${i}() -> {} Unit = print(${i})\n`;
        const path = join(dir, 'pkg', `m${i}.aria`);
        writeFileSync(path, text);
        texts.set(path, text);
      }
      expect([...texts.values()].reduce((n, t) => n + t.length, 0)).toBeGreaterThan(2 * 256 * 1024);
      const fresh = await Workspace.create({ root: dir });
      for (const [path, text] of texts) fresh.setFile(path, text);
      const client = await LspClient.start({ root: dir });
      try {
        for (const [path] of texts) {
          const published = await client.waitForDiagnostics(fileUri(path), d => d.diagnostics.length > 0, false, 60_000);
          const expected = fresh.diagnostics(path).map(d => d.code).sort();
          expect(published.map(d => String(d.code)).sort(), path).toEqual(expected);
          expect(expected).toContain('E0202');
        }
      } finally {
        await client.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('warnings become errors with aria.checker.warningsAsErrors', async () => {
    const client = await LspClient.start({ root: resolve(examples, 'errors'), settings: { checker: { warningsAsErrors: true } } });
    try {
      const uri = fileUri(resolve(examples, 'errors/unused-effect.aria'));
      const diagnostics = await client.waitForDiagnostics(uri, d => d.diagnostics.length > 0);
      expect(diagnostics.every(d => d.severity === 1)).toBe(true);
      expect(diagnostics.some(d => d.code === 'W0201')).toBe(true);
    } finally {
      await client.stop();
    }
  });
});

describe('pull diagnostics', () => {
  test('a client that pulls gets a diagnostic provider and full reports, and no pushes', async () => {
    const capabilities = { ...FULL_CAPABILITIES, textDocument: { ...FULL_CAPABILITIES.textDocument, diagnostic: { dynamicRegistration: false } } };
    const client = await LspClient.start({ root: resolve(examples, 'errors'), capabilities });
    try {
      expect((client.initializeResult as InitializeResult).capabilities.diagnosticProvider).toMatchObject({ interFileDependencies: true, workspaceDiagnostics: true });
      const file = resolve(examples, 'errors/unknown-effect.aria');
      const text = readFileSync(file, 'utf8');
      await client.open(fileUri(file), text);
      const report = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: fileUri(file) } });
      expect(report.kind).toBe('full');
      expect(actual((report as { items: Diagnostic[] }).items)).toEqual(expectedMarkers(text));
      const workspace = await client.request<{ items: { uri: string; items: Diagnostic[] }[] }>('workspace/diagnostic', { previousResultIds: [] });
      expect(workspace.items.find(i => i.uri === fileUri(resolve(examples, 'errors/missing-io.aria')))?.items.length).toBe(3);
      // The start-up scan is over (its progress ended) and requests answered after it: no report was pushed.
      await client.waitForProgress(p => (p as { value: { kind: string } }).value.kind === 'end');
      await client.request('textDocument/documentSymbol', { textDocument: { uri: fileUri(file) } });
      expect(client.publishLog).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});
