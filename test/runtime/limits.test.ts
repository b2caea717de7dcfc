// Resource limits of a run: the heap meter, the wall-clock timeout, and output streamed instead of kept.
import { describe, expect, test } from 'vitest';
import { HeapMeter, limitsWith, DEFAULT_LIMITS } from '../../runtime/limits.js';
import { OUTPUT_TAIL } from '../../runtime/index.js';
import { runText } from './helpers.js';

describe('heap meter', () => {
  test('measures every so many statements and says why past the limit, after a collection', () => {
    let used = 100;
    let collections = 0;
    const meter = new HeapMeter(1000, 50, () => used, () => { collections++; });
    expect(meter.tick(49)).toBeUndefined();
    used = 5000;
    expect(meter.tick(0)).toBeUndefined(); // not yet due
    expect(meter.tick(1)).toMatch(/memory \(0 MB\) passed the limit of 0 MB/);
    expect(collections).toBe(1);
    used = 500;
    expect(meter.tick(50)).toBeUndefined();
  });

  test('garbage a collection frees is not a failure; without gc, two measures in a row must be over', () => {
    let used = 5000;
    const freeing = new HeapMeter(1000, 10, () => used, () => { used = 200; });
    expect(freeing.tick(10)).toBeUndefined();
    used = 5000;
    const noGc = new HeapMeter(1000, 10, () => used, undefined);
    expect(noGc.tick(10)).toBeUndefined();
    expect(noGc.tick(10)).toMatch(/passed the limit/);
    used = 10;
    expect(noGc.tick(10)).toBeUndefined();
    used = 5000;
    expect(noGc.tick(10)).toBeUndefined();
  });

  test('a program past the heap limit fails with an Aria stack, and the run ends cleanly', async () => {
    // A limit of one byte: the first measure (after 200,000 statements) is over it.
    const r = await runText('fn work(n)\n  n + 1\nend\ni = 0\nloop\n  i = work(i)\nend\n', { limits: { maxHeapBytes: 1 } });
    expect(r.failure?.kind).toBe('resource-limit');
    expect(r.failureText).toMatch(/passed the limit of 0 MB \(aria run --max-heap-mb/);
    expect(r.failureText).toMatch(/at <main> \(test\.aria:\d+:\d+\)/);
    expect(r.failureText).not.toMatch(/\.ts:\d+|node:internal/);
  });

  test('limits left out keep their defaults', () => {
    expect(limitsWith({ maxListLength: 5 })).toEqual({ ...DEFAULT_LIMITS, maxListLength: 5 });
    expect(limitsWith({ maxStringLength: 0 })).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS.maxListLength).toBe(10_000_000);
  });
});

describe('timeout', () => {
  test('an endless program fails with `timeout` once the injected clock passes the limit', async () => {
    let now = 0;
    const clock = () => (now += 10);
    const r = await runText('i = 0\nloop\n  i = i + 1\nend\n', { timeoutMs: 100, clock });
    expect(r.failure?.kind).toBe('timeout');
    expect(r.failureText).toMatch(/the time limit of 100 ms was reached/);
    // Ten looks at the clock, 10,000 statements apart.
    expect(r.steps).toBeGreaterThanOrEqual(90_000);
    expect(r.steps).toBeLessThan(120_000);
  });

  test('a program that ends in time is not touched by its timeout', async () => {
    const r = await runText('print(1 + 1)\n', { timeoutMs: 100, clock: () => 0 });
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe('2\n');
  });
});

describe('output', () => {
  test('with a writer, output is streamed to it and only a bounded tail is kept', async () => {
    let written = 0;
    let last = '';
    const r = await runText('i = 0\nwhile i < 30000\n  print("line #{i} of the output")\n  i = i + 1\nend\n', {
      host: { write: text => { written += text.length; last = text; } },
    });
    expect(written).toBeGreaterThan(OUTPUT_TAIL * 10);
    expect(r.output.length).toBeLessThanOrEqual(OUTPUT_TAIL);
    expect(r.output.endsWith(last)).toBe(true);
  });
});
