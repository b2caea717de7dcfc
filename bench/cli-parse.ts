// Benchmarks `aria parse`'s tree printing on one-line files that nest deeply: the time must grow with the size of the
// file, not with its square (full indentation made 50,000 chained additions 2.5 billion characters, and a throw).
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { LineIndex } from '../analysis/line-index.js';
import { printTree } from '../cli/parse.js';
import { parse } from '../grammar/parser.js';

/** Milliseconds and characters printed for a file of `terms` chained additions on one line (best of three). */
async function measure(terms: number): Promise<{ ms: number; chars: number }> {
  const text = `x = ${'1 + '.repeat(terms)}1\n`;
  const tree = await parse(text);
  const lines = new LineIndex(text);
  let best = Infinity;
  let chars = 0;
  try {
    for (let run = 0; run < 3; run++) {
      chars = 0;
      const started = performance.now();
      printTree(tree, text, lines, false, chunk => (chars += chunk.length));
      best = Math.min(best, performance.now() - started);
    }
  } finally {
    tree.delete();
  }
  return { ms: best, chars };
}

const small = await measure(25_000);
const large = await measure(100_000);
const timeRatio = large.ms / small.ms;
const sizeRatio = large.chars / small.chars;
console.log(JSON.stringify({
  smallMs: Math.round(small.ms), largeMs: Math.round(large.ms), timeRatio: +timeRatio.toFixed(2), outputRatio: +sizeRatio.toFixed(2),
  loadavg: loadavg().map(l => +l.toFixed(2)),
}));
console.log('target: 4x the input, at most 8x the time and 5x the output (quadratic would be 16x)');
if (timeRatio > 8 || sizeRatio > 5) process.exitCode = 1;
