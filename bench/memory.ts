// Benchmarks memory (issue #15): the language server's resident size with 100,000-line workspaces in three layouts
// (one file; 10 files of 10,000 lines; 20 of 5,000) after opening a file and after 1,000 edits of it, and the peak
// resident size of `aria check` on the same workspaces; one file of 1,000 and 10,000 lines besides. Each figure is
// printed next to its target: under 150 MB, and after the edits within 20% of the size after opening.
//
// The server runs as the extension starts it (the bundle, with `SERVER_EXEC_ARGV` of server/memory.ts);
// ARIA_MEMORY_BENCH_AS=lsp runs it as `aria lsp --stdio` does (plain node: no collector exposed, V8's default young
// generation). ARIA_MEMORY_BENCH_EDITS sets the number of edits (default 1,000), ARIA_MEMORY_BENCH_ONLY picks layouts
// by name (`10,000`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LspClient, REPO, fileUri } from '../test/server/lsp-client.js';
import { moduleText } from '../test/server/workload.js';
import { SERVER_EXEC_ARGV } from '../server/memory.js';

const EDITS = Number(process.env.ARIA_MEMORY_BENCH_EDITS ?? 1000);
const TARGET_MB = 150;
const FLAT = 0.2;

interface Layout {
  readonly name: string;
  readonly files: number;
  readonly lines: number;
}

/** The 100,000-line layouts of issue #15, and single files of 1,000 and 10,000 lines (no layout target). */
const LAYOUTS: Layout[] = [
  { name: '1 file of 1,000 lines', files: 1, lines: 1_000 },
  { name: '1 file of 10,000 lines', files: 1, lines: 10_000 },
  { name: '1 file of 100,000 lines', files: 1, lines: 100_000 },
  { name: '10 files of 10,000 lines', files: 10, lines: 10_000 },
  { name: '20 files of 5,000 lines', files: 20, lines: 5_000 },
];

/** Resident memory of a process (VmRSS), or its peak (VmHWM), from /proc, MB. */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

/** Writes the layout's files (each importing the one before it, as a chain), returns the folder and the paths. */
function writeLayout(layout: Layout, dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pkg'), { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < layout.files; i++) {
    const path = join(dir, 'pkg', `m${i}.aria`);
    writeFileSync(path, moduleText(layout.lines, `M${i}`, i > 0 ? [`pkg.m${i - 1}`] : []));
    paths.push(path);
  }
  return paths;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Settled {
  /** VmRSS one second after the work. */
  soonMb: number;
  /** VmRSS once V8 gave back the heap it no longer needs (its memory reducer runs after some idle seconds), at most 40 s. */
  settledMb: number;
  /** Seconds waited for that. */
  waited: number;
}

/**
 * The server's resident size after a pause. V8 keeps the pages its heap grew to while the work ran (a young
 * generation of up to 32 MB, old-generation pages half empty) until its memory reducer, some seconds into an idle
 * period, compacts the heap and gives them back: the figure is read once the committed heap is within a quarter of
 * what is in use (or after 40 s), as a person pausing in the editor would find it.
 */
async function settle(client: LspClient): Promise<Settled> {
  await sleep(1000);
  const pid = client.child.pid!;
  const soonMb = procMb(pid, 'VmRSS');
  const t0 = Date.now();
  while (Date.now() - t0 < 40_000) {
    const { memoryMb } = await client.request<ServerFigures['stats']>('aria/serverStats', null);
    if (memoryMb.heapTotal! <= memoryMb.heapUsed! * 1.25 + 4) break;
    await sleep(2000);
  }
  return { soonMb, settledMb: procMb(pid, 'VmRSS'), waited: (Date.now() - t0) / 1000 };
}

interface ServerFigures {
  lines: number;
  open: Settled;
  edited: Settled;
  peakMb: number;
  msPerEdit: number;
  stats: { memoryMb: Record<string, number>; tiers: Record<string, number> };
}

/**
 * The server with the layout's workspace: the start-up check, then the last file opened; then EDITS edits of it
 * (the number in a function's `if total > N` rewritten, one change per didChange, each sent once the previous
 * diagnostics came; a hover and a completion every tenth), as someone typing.
 */
async function server(layout: Layout, paths: string[], dir: string): Promise<ServerFigures> {
  const client = await LspClient.start({ root: dir });
  try {
    await client.waitForProgress(p => (p as { value: { kind: string } }).value.kind === 'end', 600_000);
    const path = paths[paths.length - 1]!;
    const uri = fileUri(path);
    const text = readFileSync(path, 'utf8');
    await client.open(uri, text);
    await client.waitForDiagnostics(uri, d => d.version === 1, true, 600_000);
    const open = await settle(client);
    const pid = client.child.pid!;
    const t0 = Date.now();
    const lines = text.split('\n');
    const functions = lines.filter(l => l.startsWith('fn ')).length;
    const starts = new Map<number, number>();
    lines.forEach((l, i) => {
      const m = /^fn fM\d+_(\d+)\(/.exec(l);
      if (m) starts.set(Number(m[1]), i);
    });
    for (let e = 0; e < EDITS; e++) {
      const line = starts.get((e * 37) % functions)! + 2;
      const current = lines[line]!;
      const start = current.indexOf('> ') + 2;
      const replacement = String(e % 2 === 0 ? e + 1000 : e);
      const range = { start: { line, character: start }, end: { line, character: current.length } };
      lines[line] = current.slice(0, start) + replacement;
      const version = await client.change(uri, [{ range, text: replacement }]);
      await client.waitForDiagnostics(uri, d => d.version === version, true, 600_000);
      if (e % 10 === 9) {
        const position = { line: line + 9, character: 8 };
        await client.request('textDocument/hover', { textDocument: { uri }, position });
        await client.request('textDocument/completion', { textDocument: { uri }, position });
      }
    }
    const msPerEdit = (Date.now() - t0) / EDITS;
    const edited = await settle(client);
    const peakMb = procMb(pid, 'VmHWM');
    const stats = await client.request<ServerFigures['stats']>('aria/serverStats', { collect: true });
    return { lines: text.split('\n').length, open, edited, peakMb, msPerEdit, stats };
  } finally {
    await client.stop();
  }
}

/** `aria check` on the layout's folder: its peak resident size (GNU time's maximum RSS), MB. */
function check(cli: string, dir: string): { peakMb: number; seconds: number } {
  const t0 = Date.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'check'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`aria check failed (${run.status}): ${run.stderr}`);
  const kb = Number(run.stderr.trim().split('\n').at(-1));
  return { peakMb: kb / 1024, seconds: (Date.now() - t0) / 1000 };
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

const out = join(tmpdir(), `aria-memory-bench-${process.pid}`);
const build = spawnSync(process.execPath, [join(REPO, 'scripts/build.mjs'), '--outdir', out, '--only', 'server,cli', '--quiet'], { cwd: REPO, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`building the bundles failed: ${build.stderr}`);
process.on('exit', () => rmSync(out, { recursive: true, force: true }));
const asLsp = process.env.ARIA_MEMORY_BENCH_AS === 'lsp';
const command = asLsp ? [join(out, 'cli.js'), 'lsp', '--stdio'] : [...SERVER_EXEC_ARGV, join(out, 'server.js'), '--stdio'];
process.env.ARIA_LSP_CMD = JSON.stringify([process.execPath, ...command]);
const only = process.env.ARIA_MEMORY_BENCH_ONLY;
console.log(`server: node ${command.map(c => c.replace(out, 'dist')).join(' ')}; ${EDITS} edits; load average ${loadavg().map(l => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);

let missed = false;
for (const layout of LAYOUTS) {
  if (only && !layout.name.includes(only)) continue;
  const dir = join(tmpdir(), `aria-memory-ws-${process.pid}`);
  const paths = writeLayout(layout, dir);
  try {
    const big = layout.files * layout.lines >= 100_000;
    const s = await server(layout, paths, dir);
    const flat = s.edited.settledMb <= s.open.settledMb * (1 + FLAT);
    const under = s.open.settledMb < TARGET_MB && s.edited.settledMb < TARGET_MB;
    const c = check(join(out, 'cli.js'), dir);
    const checkUnder = c.peakMb < TARGET_MB;
    if (big) missed ||= !flat || !under || !checkUnder;
    const target = big ? ` (target < ${TARGET_MB} MB: ${verdict(under)})` : '';
    console.log(`\n${layout.name} (the open file: ${s.lines.toLocaleString('en')} lines, ${s.stats.tiers.checked} checked, ${s.stats.tiers.syntax} syntax only)`);
    const soon = (x: Settled) => `(1 s after: ${x.soonMb.toFixed(0)} MB; settled after ${x.waited.toFixed(0)} s)`;
    console.log(`  server RSS after opening        ${s.open.settledMb.toFixed(0).padStart(5)} MB ${soon(s.open)}${target}`);
    console.log(`  server RSS after ${EDITS} edits    ${s.edited.settledMb.toFixed(0).padStart(5)} MB ${soon(s.edited)}, ${(((s.edited.settledMb / s.open.settledMb) - 1) * 100).toFixed(0)}% (target within ${FLAT * 100}%: ${verdict(flat)}); peak ${s.peakMb.toFixed(0)} MB; ${s.msPerEdit.toFixed(0)} ms per edit`);
    console.log(`  server then, after a full collection: ${JSON.stringify(s.stats.memoryMb)}`);
    console.log(`  aria check peak RSS             ${c.peakMb.toFixed(0).padStart(5)} MB${big ? ` (target < ${TARGET_MB} MB: ${verdict(checkUnder)})` : ''}, ${c.seconds.toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (missed) console.log('\nsome memory targets were missed (see above)');
