// Benchmarks the Aria grammar: full and incremental parses of a generated 10,000-line program (web-tree-sitter vs the native CLI).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createParser, editFor } from '../grammar/parser.js';
import { rng } from '../test/support/random.js';

const grammarDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'grammar');
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

  // Incremental reparse after a one-character edit: a letter of a name typed over with another letter.
  // Each edit is timed three times (on a fresh copy of the tree) and keeps its best time, so that a busy
  // machine's scheduling noise does not swamp the median over the 50 edits.
  const random = rng(42);
  const letters = [...text.matchAll(/(?<=[a-z_])[a-z](?=[a-z_]*[ (.,=)\n])/g)].map(m => m.index!);
  const editTimes: number[] = [];
  for (let i = 0; i < 50; i++) {
    const at = letters[Math.floor(random() * letters.length)]!;
    const replacement = text[at] === 'q' ? 'z' : 'q';
    const next = text.slice(0, at) + replacement + text.slice(at + 1);
    const edit = editFor(text, at, at + 1, next);
    let best = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) {
      const old = base.copy();
      const start = performance.now();
      old.edit(edit);
      const tree = parser.parse(next, old);
      best = Math.min(best, performance.now() - start);
      tree?.delete();
      old.delete();
    }
    editTimes.push(best);
  }

  const fullMedian = median(fullTimes);
  const editMedian = median(editTimes);
  console.log(`grammar bench: ${lineCount} lines, ${(text.length / 1024).toFixed(0)} KiB, ${base.rootNode.descendantCount} nodes` +
    ` (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
  console.log(`  web-tree-sitter full parse         median ${fmt(fullMedian)} (min ${fmt(Math.min(...fullTimes))}, ${fullTimes.length} runs)`);
  console.log(`  web-tree-sitter 1-char reparse     median ${fmt(editMedian)} (max ${fmt(Math.max(...editTimes))}, ${editTimes.length} edits, best of 3 each; target < 2 ms)`);

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
}

await main();
