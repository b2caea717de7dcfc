// Benchmarks the Aria grammar: the full parse of a generated 10,000-line program (web-tree-sitter vs the native CLI),
// and tree-sitter's incremental reparse (the tree's edit and the parse; not the edit's computation, which is the
// caller's) after one-character edits at 1,000, 10,000 and 100,000 lines, with the parse log's reuse counts: how
// many old subtrees the parser took whole (`reuse_node`) and how often it had to look inside one
// (`cant_reuse_node_*`). Those files are the examples concatenated: many top-level statements and comments, as
// users write them.
//
// ARIA_REPARSE_BASELINE=<git revision or .wasm path> measures that grammar's reparse too, in the same process and
// the same rounds, so that the two sit side by side under the same load (the machine is shared).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { createParser, editFor, loadAria, withLineFeeds, type Edit } from '../grammar/parser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const grammarDir = join(root, 'grammar');
const targetLines = 10_000;


/** One group of items in the style of examples/: an effect, a handler, a struct, functions and top-level statements. */
function unit(i: number): string {
  return `# Unit ${i}: a counter effect, its handler, and work that uses both.
effect Meter${i} {
  fn tick(by: Int) -> Unit
  fn total() -> Int
}

struct Cell${i}(value: Int, label: String)

handler Memory${i}(cell: Cell${i}) for Meter${i} {
  fn tick(by)
    cell.value += by
  end
  fn total() = cell.value
}

# Sums the squares of the even numbers, counting every step.
fn work${i}[T](items: List[Int], scale: Int = 2) -> {Meter${i}, IO} Int
  total = 0
  for item in items
    Meter${i}.tick(1)
    if item % 2 == 0 and item > 0
      total += item * item * scale
    elif item < 0
      continue
    else
      total -= 1
    end
  end
  label = match total
  case 0 => "nothing"
  case n if n > 100 => "large #{n}"
  case _ => "small"
  end
  print("unit ${i}: #{label} after #{Meter${i}.total()} ticks")
  total
end

fn fetch${i}(urls: List[String]) -> <Async, IO | e> List[String]
  with Async.scope |scope|
    tasks = map(urls, |url| scope.spawn download(url, retries: 3))
    results = join(tasks)
      .map(|r| r.len())
    sleep(5.ms)
    results
  end
end

cell${i} = Cell${i}(0, "c${i}")
with Memory${i}(cell${i})
  done = work${i}([1, 2, 3, -4, 5], scale: 3)
  each([done], |d|
    print("done", d)
  end)
end
`;
}

/** A program of exactly `lines` lines made of whole units, topped up with comment lines. */
function program(lines: number): string {
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const next = unit(i).split('\n');
    if (out.length + next.length > lines) break;
    out.push(...next);
  }
  while (out.length < lines) out.push(`# filler ${out.length}`);
  return out.join('\n') + '\n';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (ms: number): string => `${ms.toFixed(3)} ms`;

/** Native parse time of `file` by the tree-sitter CLI, two ways: its own --time figure, and wall time minus an empty file's. */
function nativeParse(file: string, empty: string, runs: number): { internal: number; wall: number } | undefined {
  const cli = spawnSync('tree-sitter', ['--version'], { encoding: 'utf8' });
  if (cli.status !== 0) return undefined;
  const env = { ...process.env, TREE_SITTER_DIR: mkdtempSync(join(tmpdir(), 'ts-config-')) };
  const run = (path: string): { ms: number; wall: number } => {
    const start = performance.now();
    const output = execFileSync('tree-sitter', ['parse', '--time', '--quiet', path], { cwd: grammarDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const wall = performance.now() - start;
    return { ms: Number(/([\d.]+) ms/.exec(output)?.[1] ?? NaN), wall };
  };
  run(empty); // the first run compiles the parser into the CLI's cache
  const internal: number[] = [];
  const walls: number[] = [];
  const startups: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = run(file);
    internal.push(r.ms);
    walls.push(r.wall);
    startups.push(run(empty).wall);
  }
  rmSync(env.TREE_SITTER_DIR, { recursive: true, force: true });
  return { internal: median(internal), wall: median(walls) - median(startups) };
}

const SIZES = [1_000, 10_000, 100_000];
/** Where in the file the edits fall, as fractions of its length. */
const POSITIONS = [0.02, 0.25, 0.5, 0.75, 0.98];
/** Targets of issue #15 for a one-character reparse, by size. */
const TARGET_MS: Record<number, number | undefined> = { 10_000: 1, 100_000: 2 };

/** The examples (not the ones meant to fail), each with a trailing line break. */
function examples(): string[] {
  const dir = join(root, 'examples');
  return readdirSync(dir).filter(f => f.endsWith('.aria')).sort()
    .map(f => readFileSync(join(dir, f), 'utf8').replace(/\n*$/, '\n\n'));
}

/** A program of about `lines` lines: the examples again and again, whole. */
function examplesProgram(lines: number, parts: string[]): string {
  const out: string[] = [];
  let count = 0;
  for (let i = 0; count < lines; i++) {
    const part = parts[i % parts.length]!;
    out.push(part);
    count += part.split('\n').length - 1;
  }
  return out.join('');
}

/** One-character edits: a letter inside a name, the first one at or after each position, typed over with another letter. */
function edits(text: string): { at: number; next: string; edit: Edit }[] {
  return POSITIONS.map(fraction => {
    const re = /[a-z_][a-z](?=[a-z_0-9]*[ (.,=)\n])/g;
    re.lastIndex = Math.floor(text.length * fraction);
    const m = re.exec(text);
    if (!m) throw new Error(`no name after ${fraction}`);
    const at = m.index + 1;
    const replacement = text[at] === 'q' ? 'z' : 'q';
    const next = text.slice(0, at) + replacement + text.slice(at + 1);
    return { at, next, edit: editFor(text, at, at + 1, next) };
  });
}

interface Counts { reuse: number; cantReuse: Record<string, number>; descents: number }

/** The parse log's counts for one reparse. */
function logCounts(parser: Parser, base: Tree, text: string, at: number, next: string): Counts {
  const counts: Counts = { reuse: 0, cantReuse: {}, descents: 0 };
  parser.setLogger((message, isLex) => {
    if (isLex) return;
    if (message.startsWith('reuse_node')) counts.reuse++;
    else if (message.startsWith('cant_reuse_node')) {
      const reason = /^cant_reuse_node_?([a-z_]*)/.exec(message)![1] || 'first_leaf';
      counts.cantReuse[reason] = (counts.cantReuse[reason] ?? 0) + 1;
    } else if (message.startsWith('state_mismatch')) counts.descents++;
  });
  const old = base.copy();
  old.edit(editFor(text, at, at + 1, next));
  parser.parse(next, old)?.delete();
  old.delete();
  parser.setLogger(null);
  return counts;
}

interface Row { lines: number; nodes: number; full: number; median: number; max: number; counts: Counts }

/** Full parse and one-character reparses of `text` with each parser, interleaved so that both see the same load. */
function measure(parsers: Parser[], text: string): Row[] {
  const bases = parsers.map(p => {
    for (let i = 0; i < 2; i++) p.parse(text)?.delete();
    const tree = p.parse(text)!;
    if (tree.rootNode.hasError) throw new Error('the benchmark program has syntax errors: fix the generator');
    return tree;
  });
  const full = parsers.map(() => [] as number[]);
  for (let round = 0; round < 5; round++) {
    parsers.forEach((p, i) => {
      const start = performance.now();
      p.parse(text)?.delete();
      full[i]!.push(performance.now() - start);
    });
  }
  const cases = edits(text);
  const times = parsers.map(() => cases.map(() => Infinity));
  // Each edit is timed several times on a fresh copy of the tree and keeps its best time: the machine is shared,
  // and scheduling noise would otherwise swamp a sub-millisecond figure.
  for (let attempt = 0; attempt < 7; attempt++) {
    cases.forEach(({ next, edit }, c) => {
      parsers.forEach((p, i) => {
        const old = bases[i]!.copy();
        const start = performance.now();
        old.edit(edit);
        const tree = p.parse(next, old);
        const ms = performance.now() - start;
        times[i]![c] = Math.min(times[i]![c]!, ms);
        tree?.delete();
        old.delete();
      });
    });
  }
  const mid = cases[Math.floor(cases.length / 2)]!;
  const rows = parsers.map((p, i) => ({
    lines: text.split('\n').length - 1,
    nodes: bases[i]!.rootNode.descendantCount,
    full: median(full[i]!),
    median: median(times[i]!),
    max: Math.max(...times[i]!),
    counts: logCounts(p, bases[i]!, text, mid.at, mid.next),
  }));
  bases.forEach(t => t.delete());
  return rows;
}

/** The baseline grammar's wasm: a path, or a git revision whose committed wasm is taken. */
function baselineWasm(spec: string, dir: string): string {
  if (existsSync(spec)) return spec;
  const out = join(dir, 'baseline.wasm');
  writeFileSync(out, execFileSync('git', ['show', `${spec}:grammar/tree-sitter-aria.wasm`], { cwd: root, maxBuffer: 1 << 28 }));
  return out;
}

const countsText = (c: Counts): string =>
  `reuse_node ${c.reuse}, ${Object.entries(c.cantReuse).sort().map(([k, v]) => `cant_reuse_${k} ${v}`).join(', ') || 'no cant_reuse'}`;

/** The reparse measurements, with the baseline grammar beside them when one is given. */
async function reparseBench(): Promise<void> {
  const parsers: Parser[] = [await createParser()];
  const names = ['this grammar'];
  const spec = process.env.ARIA_REPARSE_BASELINE;
  const dir = mkdtempSync(join(tmpdir(), 'aria-reparse-'));
  try {
    if (spec) {
      // The classes of the instance grammar/parser.ts initialised (under tsx, that file may load another copy).
      const LanguageClass = (await loadAria()).constructor as typeof Language;
      const ParserClass = parsers[0]!.constructor as typeof Parser;
      const language = await LanguageClass.load(baselineWasm(spec, dir));
      const baseline = new ParserClass();
      baseline.setLanguage(language);
      const parse = baseline.parse.bind(baseline);
      baseline.parse = ((input, old, options) => parse(typeof input === 'string' ? withLineFeeds(input) : input, old, options)) as Parser['parse'];
      parsers.push(baseline);
      names.push(`baseline ${spec}`);
    }
    const [load1] = loadavg();
    console.log(`\nreparse bench: one-character edits at ${POSITIONS.map(p => `${p * 100}%`).join(', ')} of the file, best of 7 each` +
      ` (load average ${load1!.toFixed(1)} on ${availableParallelism()} cores)`);
    const parts = examples();
    for (const size of SIZES) {
      const text = examplesProgram(size, parts);
      const rows = measure(parsers, text);
      const target = TARGET_MS[size];
      rows.forEach((r, i) => {
        const verdict = target === undefined ? '' : ` (target < ${target} ms: ${r.median < target ? 'met' : 'MISSED'})`;
        console.log(`  ${String(r.lines).padStart(6)} lines  ${names[i]!.padEnd(22)} full ${fmt(r.full)}, reparse median ${fmt(r.median)}` +
          ` max ${fmt(r.max)}${verdict}`);
        console.log(`  ${''.padStart(12)}  ${''.padEnd(22)} mid-file edit: ${countsText(r.counts)}, state_mismatch ${r.counts.descents}`);
      });
      if (rows.length === 2) console.log(`  ${''.padStart(12)}  ratio baseline / this: reparse ${(rows[1]!.median / rows[0]!.median).toFixed(1)}x`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    parsers.forEach(p => p.delete());
  }
}

async function main(): Promise<void> {
  const text = program(targetLines);
  const lineCount = text.split('\n').length - 1;
  const parser = await createParser();

  // Full parse: warm up, then the median of several runs.
  for (let i = 0; i < 3; i++) parser.parse(text);
  const fullTimes: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    const tree = parser.parse(text);
    fullTimes.push(performance.now() - start);
    tree?.delete();
  }
  const base = parser.parse(text)!;
  if (base.rootNode.hasError) throw new Error('the generated program has syntax errors: fix the generator');

  const fullMedian = median(fullTimes);
  console.log(`grammar bench: ${lineCount} lines, ${(text.length / 1024).toFixed(0)} KiB, ${base.rootNode.descendantCount} nodes` +
    ` (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
  console.log(`  web-tree-sitter full parse         median ${fmt(fullMedian)} (min ${fmt(Math.min(...fullTimes))}, ${fullTimes.length} runs)`);

  const dir = mkdtempSync(join(tmpdir(), 'aria-bench-'));
  try {
    const file = join(dir, 'big.aria');
    const empty = join(dir, 'empty.aria');
    writeFileSync(file, text);
    writeFileSync(empty, '');
    const native = nativeParse(file, empty, 7);
    if (!native) {
      console.log('  native CLI: tree-sitter not on PATH, skipped');
    } else {
      console.log(`  native CLI parse (--time)          median ${fmt(native.internal)}`);
      console.log(`  native CLI parse (wall - startup)  median ${fmt(native.wall)}`);
      console.log(`  ratio web / native (--time)        ${(fullMedian / native.internal).toFixed(2)}x (target within 2.5x)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  base.delete();
  await reparseBench();
}

await main();
