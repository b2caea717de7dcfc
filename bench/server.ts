// Benchmarks the language server over real JSON-RPC on stdio: didChange-to-diagnostics and hover/definition/completion latencies on a 10,000-line file, and memory with a 100,000-line workspace.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LspClient, REPO, fileUri } from '../test/server/lsp-client.js';
import { moduleText } from '../test/server/workload.js';
import { SERVER_EXEC_ARGV } from '../server/memory.js';

const EDITS = 200;
const REQUESTS = 200;

function stats(samples: number[]): { median: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

function show(name: string, samples: number[], target?: number): boolean {
  const s = stats(samples);
  const ok = target === undefined || s.p95 < target;
  console.log(`${name.padEnd(34)} median ${s.median.toFixed(1).padStart(6)} ms   p95 ${s.p95.toFixed(1).padStart(6)} ms   max ${s.max.toFixed(1).padStart(6)} ms${target ? `   (target p95 < ${target} ms: ${ok ? 'met' : 'MISSED'})` : ''}`);
  return ok;
}

/** Resident memory of a process, from /proc (MB). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Position of the `n`th line starting with `prefix`, at `column`. */
function lineWith(text: string, prefix: string, n: number): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i]!.startsWith(prefix) && seen++ === n) return i;
  throw new Error(`no line ${n} starting with ${prefix}`);
}

async function latencyOnBigFile(debounceMs: number): Promise<boolean> {
  const dir = join(tmpdir(), `aria-bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const text = moduleText(10_000, 'A');
  const path = join(dir, 'big.aria');
  writeFileSync(path, text);
  const uri = fileUri(path);
  const client = await LspClient.start({ root: dir, settings: { diagnostics: { debounceMs } } });
  let ok = true;
  try {
    console.log(`\n10,000-line file (${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB), aria.diagnostics.debounceMs = ${debounceMs}`);
    await client.open(uri, text);
    const t0 = performance.now();
    await client.waitForDiagnostics(uri, d => d.version === 1, true, 120_000);
    console.log(`first diagnostics after open: ${(performance.now() - t0).toFixed(0)} ms`);
    const functions = text.split('\n').filter(l => l.startsWith('fn ')).length;

    // Edits: rewrite the number in `if total > N` of a function, one change per didChange.
    const lines = text.split('\n');
    const diag: number[] = [];
    for (let e = 0; e < EDITS; e++) {
      const fn = (e * 37) % functions;
      const line = lineWith(text, `fn fA_${fn}(`, 0) + 2;
      const current = lines[line]!;
      const start = current.indexOf('> ') + 2;
      const replacement = String(e % 2 === 0 ? fn + 1000 : fn);
      const range = { start: { line, character: start }, end: { line, character: current.length } };
      lines[line] = current.slice(0, start) + replacement;
      const sent = performance.now();
      const version = await client.change(uri, [{ range, text: replacement }]);
      await client.waitForDiagnostics(uri, d => d.version === version, true, 60_000);
      diag.push(performance.now() - sent);
    }
    ok = show('didChange → publishDiagnostics', diag, 50) && ok;

    const current = lines.join('\n');
    const callLines = current.split('\n').flatMap((l, i) => (l.includes('  g = fA_') ? [i] : []));
    const time = async (method: string, params: (i: number) => unknown) => {
      const samples: number[] = [];
      for (let r = 0; r < REQUESTS; r++) {
        const t = performance.now();
        await client.request(method, params(r));
        samples.push(performance.now() - t);
      }
      return samples;
    };
    const callAt = (r: number) => ({ textDocument: { uri }, position: { line: callLines[(r * 13) % callLines.length]!, character: 8 } });
    ok = show('hover', await time('textDocument/hover', callAt), 10) && ok;
    ok = show('definition', await time('textDocument/definition', callAt), 10) && ok;
    ok = show('completion', await time('textDocument/completion', r => ({
      textDocument: { uri }, position: { line: callLines[(r * 7) % callLines.length]! + 1, character: 2 },
    })), 10) && ok;
    console.log(`server RSS with the file open: ${rssMb(client.child.pid!).toFixed(0)} MB`);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return ok;
}

async function memoryOnBigWorkspace(): Promise<boolean> {
  const dir = join(tmpdir(), `aria-bench-ws-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pkg'), { recursive: true });
  const FILES = 20;
  let total = 0;
  for (let i = 0; i < FILES; i++) {
    const imports = i > 0 ? [`pkg.m${i - 1}`] : [];
    const text = moduleText(5_000, `M${i}`, imports);
    total += text.split('\n').length;
    writeFileSync(join(dir, 'pkg', `m${i}.aria`), text);
  }
  const client = await LspClient.start({ root: dir });
  try {
    console.log(`\n${total.toLocaleString('en')}-line workspace (${FILES} files), checked at start-up`);
    const t0 = performance.now();
    const last = fileUri(join(dir, 'pkg', `m${FILES - 1}.aria`));
    // The start-up scan reports progress `end` once every file is read and checked.
    while (!client.progress.some(p => (p as { value: { kind: string } }).value.kind === 'end')) {
      if (performance.now() - t0 > 300_000) throw new Error('the workspace check did not finish');
      await new Promise(r => setTimeout(r, 50));
    }
    console.log(`workspace checked in ${((performance.now() - t0) / 1000).toFixed(1)} s; diagnostics for ${client.diagnostics.size} files`);
    const text = readFileSync(join(dir, 'pkg', `m${FILES - 1}.aria`), 'utf8');
    await client.open(last, text);
    await client.waitForDiagnostics(last, d => d.version === 1, true, 120_000);
    await new Promise(r => setTimeout(r, 1000));
    const rss = rssMb(client.child.pid!);
    const ok = rss < 150;
    console.log(`server RSS with the workspace open: ${rss.toFixed(0)} MB (target < 150 MB: ${ok ? 'met' : 'MISSED'})`);
    return ok;
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Measure the server as it ships: a bundle run by plain node (tsx would add its own time and memory), unless
// ARIA_LSP_CMD names another command.
if (!process.env.ARIA_LSP_CMD) {
  const out = join(tmpdir(), `aria-bench-dist-${process.pid}`);
  const build = spawnSync(process.execPath, [join(REPO, 'scripts/build.mjs'), '--outdir', out, '--only', 'server', '--quiet'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building the server bundle failed: ${build.stderr}`);
  // With the flags the extension gives it (server/memory.ts).
  process.env.ARIA_LSP_CMD = JSON.stringify([process.execPath, ...SERVER_EXEC_ARGV, join(out, 'server.js'), '--stdio']);
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
}
console.log(`server: ${process.env.ARIA_LSP_CMD}; load average ${(await import('node:os')).loadavg().map(l => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);

const debounce = Number(process.env.ARIA_BENCH_DEBOUNCE ?? 30);
const results = [await latencyOnBigFile(debounce), await memoryOnBigWorkspace()];
if (results.includes(false)) console.log('\nsome targets were missed (see above)');
