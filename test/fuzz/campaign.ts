// A seeded fuzzing campaign against the language server over stdio: random edits, every request kind at random positions, hostile Aria and broken frames.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LspClient, REPO, fileUri } from '../server/lsp-client.js';
import { rng } from '../support/random.js';

export interface CampaignOptions {
  readonly seed: number;
  /** Stop after this many rounds, or when `until()` says so. */
  readonly rounds: number;
  readonly until?: () => boolean;
  /** A request not answered within this many ms counts as a hang. */
  readonly hangMs?: number;
  readonly onRound?: (summary: CampaignSummary) => void;
}

export interface CampaignSummary {
  seed: number;
  rounds: number;
  edits: number;
  requests: number;
  answered: number;
  /** Error answers by JSON-RPC code (an error answer is an answer). */
  errorsByCode: Record<string, number>;
  brokenFrames: number;
  crashes: number;
  hangs: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  maxRssMb: number;
  failedLogs: string[];
  /** Each request that had no answer within `hangMs`: what it was, on which document, and when (if ever) it was answered. */
  unanswered: { method: string; round: number; doc: string; answeredAfterMs?: number; outcome?: string }[];
}

const HOSTILE: readonly string[] = [
  `x = ${'('.repeat(3000)}1${')'.repeat(3000)}\n`,
  `x = ${'['.repeat(2000)}${']'.repeat(2000)}\n`,
  `s = "${'a'.repeat(100_000)}"\nprint(s)\n`,
  `x = ${'a'.repeat(50_000)}.\n`,
  'xs = range(0, 1000000000)\nloop\n  push(xs, 1)\nend\n',
  `${'fn f() = 1\n'.repeat(2000)}`,
  'x = 1\ry = 2\r\nprint(x + y)\r',
  '\u0000\u0001\uffff\ud800 "#{ #{ #{',
  `${'if true\n'.repeat(500)}${'end\n'.repeat(500)}`,
];

const METHODS_AT = [
  'textDocument/hover', 'textDocument/definition', 'textDocument/documentHighlight', 'textDocument/completion',
  'textDocument/signatureHelp', 'textDocument/implementation', 'textDocument/prepareCallHierarchy', 'textDocument/prepareRename',
  'aria/handlersFor', 'aria/dischargedBy', 'aria/explainEffect',
];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Runs the campaign against a fresh server; resolves with its summary (the server is stopped at the end). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const next = rng(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const examples = resolve(REPO, 'examples');
  const seeds = readdirSync(examples).filter(n => n.endsWith('.aria')).sort().map(n => readFileSync(resolve(examples, n), 'utf8'));
  const hangMs = options.hangMs ?? 10_000;
  const summary: CampaignSummary = {
    seed: options.seed, rounds: 0, edits: 0, requests: 0, answered: 0, errorsByCode: {}, brokenFrames: 0, crashes: 0, hangs: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 }, maxRssMb: 0, failedLogs: [], unanswered: [],
  };
  const latencies: number[] = [];
  let client = await LspClient.start({ root: examples });
  const texts = new Map<string, string>();
  /** What each document was opened from (a hostile text's index or an example), for the report of a hang. */
  const origins = new Map<string, string>();
  let round = 0;
  let uri = '';
  const late: Promise<void>[] = [];

  const ask = async (method: string, params: unknown): Promise<void> => {
    summary.requests++;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>(r => { timer = setTimeout(() => r('hang'), hangMs); });
    const answer = client.request(method, params).then(() => 'ok' as const, (e: { code?: number }) => `error ${e?.code ?? '?'}`);
    const outcome = await Promise.race([answer, hang]);
    clearTimeout(timer);
    if (outcome === 'hang') {
      summary.hangs++;
      const record: CampaignSummary['unanswered'][number] = { method, round, doc: origins.get(uri) ?? '?' };
      summary.unanswered.push(record);
      // Keep listening: a late answer says the server was slow, none that the request was lost.
      late.push(answer.then(o => { record.answeredAfterMs = Math.round(performance.now() - started); record.outcome = o; }));
      return;
    }
    summary.answered++;
    latencies.push(performance.now() - started);
    if (outcome !== 'ok') summary.errorsByCode[outcome.slice(6)] = (summary.errorsByCode[outcome.slice(6)] ?? 0) + 1;
  };

  const position = (text: string) => {
    const lines = text.split(/\r\n|\r|\n/);
    const line = Math.floor(next() * (lines.length + 1));
    return { line, character: Math.floor(next() * ((lines[line]?.length ?? 0) + 2)) };
  };

  for (round = 0; round < options.rounds && !(options.until?.() ?? false); round++) {
    summary.rounds++;
    uri = fileUri(`/tmp/aria-fuzz/doc-${round % 6}.aria`);
    let text = texts.get(uri);
    if (text === undefined || next() < 0.05) {
      const hostile = next() < 0.15;
      text = hostile ? pick(HOSTILE) : pick(seeds);
      origins.set(uri, hostile ? `hostile #${HOSTILE.indexOf(text)}` : `example #${seeds.indexOf(text)}`);
      texts.set(uri, text);
      await client.open(uri, text);
    }
    // A burst of random edits: deletions, insertions of noise or of a slice of another file, a replaced line.
    const burst = 1 + Math.floor(next() * 8);
    for (let i = 0; i < burst; i++) {
      const lines = text.split('\n');
      const start = Math.floor(next() * (text.length + 1));
      const end = Math.min(text.length, start + Math.floor(next() * 30));
      const noise = pick(['', '(', ')', 'end', '\n', 'fn ', ' with ', '"', '#{', 'x.', '->{', 'é', '🙂', '\r', pick(seeds).slice(0, Math.floor(next() * 200))]);
      const before = text.slice(0, start);
      const sl = before.split('\n').length - 1;
      const sc = start - (before.lastIndexOf('\n') + 1);
      const between = text.slice(0, end);
      const el = between.split('\n').length - 1;
      const ec = end - (between.lastIndexOf('\n') + 1);
      // Positions in UTF-16 units on \n lines; the server counts \r as a break too, so edits near a lone \r may
      // land elsewhere than meant: that is fine (the text the server keeps is what it got), and the checks below
      // only ask that it answers.
      void lines;
      text = text.slice(0, start) + noise + text.slice(end);
      texts.set(uri, text);
      summary.edits++;
      await client.change(uri, [{ range: { start: { line: sl, character: sc }, end: { line: el, character: ec } }, text: noise }]);
    }
    // Every request kind at random positions (no waiting for diagnostics: edits keep coming).
    const td = { textDocument: { uri } };
    const at = position(text);
    const all: Promise<void>[] = [
      ask('textDocument/documentSymbol', td), ask('textDocument/foldingRange', td), ask('textDocument/semanticTokens/full', td),
      ask('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } }), ask('textDocument/codeLens', td),
      ask('textDocument/inlayHint', { ...td, range: { start: { line: 0, character: 0 }, end: position(text) } }),
      ask('textDocument/selectionRange', { ...td, positions: [position(text), position(text)] }),
      ask('textDocument/references', { ...td, position: at, context: { includeDeclaration: true } }),
      ask('textDocument/codeAction', { ...td, range: { start: at, end: at }, context: { diagnostics: [] } }),
      ...METHODS_AT.map(m => ask(m, { ...td, position: position(text) })),
    ];
    if (next() < 0.1) all.push(ask('textDocument/hover', { ...td, position: { line: 0.5, character: -1 } }));
    if (next() < 0.05) all.push(ask('workspace/symbol', { query: pick(['', 'f', 'main', 'Log']) }));
    await Promise.all(all);
    // Now and then, with nothing in flight, a broken frame straight onto the server's input.
    if (next() < 0.05) {
      summary.brokenFrames++;
      client.child.stdin!.write(pick([
        'Content-Type: text/plain\r\n\r\n{"jsonrpc":"2.0"}',
        'Content-Length: 99999\r\n\r\n{"jsonrpc":"2.0","method":"x"}',
        'Content-Length: 9\r\n\r\n{not json',
        'garbage\r\n\r\n',
      ]));
    }
    if (client.child.exitCode !== null || client.child.signalCode !== null) {
      summary.crashes++;
      summary.failedLogs.push(`server exited (${client.child.exitCode ?? client.child.signalCode}) in round ${round}: ${client.stderr.slice(-500)}`);
      client = await LspClient.start({ root: examples });
      texts.clear();
    }
    if (round % 10 === 0) summary.maxRssMb = Math.max(summary.maxRssMb, rssMb(client.child.pid));
    options.onRound?.(summary);
  }
  // A last look for late answers (up to 30 s) before the server is stopped.
  await Promise.race([Promise.all(late), new Promise(r => setTimeout(r, 30_000))]);
  summary.failedLogs.push(...client.logs.filter(l => / failed: /.test(l)).slice(0, 20));
  await client.stop();
  latencies.sort((a, b) => a - b);
  summary.latencyMs = {
    p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)),
    p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies[latencies.length - 1] ?? 0),
  };
  return summary;
}

/** The summary as the text docs/reliability.md quotes. */
export function formatSummary(s: CampaignSummary, minutes?: number): string {
  const codes = Object.entries(s.errorsByCode).sort().map(([c, n]) => `${c}: ${n}`).join(', ') || 'none';
  return [
    `seed ${s.seed}${minutes !== undefined ? `, ${minutes} min` : ''}: ${s.rounds} rounds`,
    `edits ${s.edits}, requests ${s.requests}, answered ${s.answered}`,
    `error answers by code: ${codes}`,
    `broken frames sent ${s.brokenFrames}, crashes ${s.crashes}, hangs ${s.hangs}`,
    `latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`,
    `server RSS max ${s.maxRssMb} MB`,
    `logged failures: ${s.failedLogs.length}`,
    ...s.unanswered.map(u => `no answer within the hang limit: ${u.method} in round ${u.round} on ${u.doc}${u.answeredAfterMs !== undefined ? `, answered after ${u.answeredAfterMs} ms (${u.outcome})` : ', never answered'}`),
  ].join('\n');
}
