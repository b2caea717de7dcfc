// The adapter's output tail: batches program output, and keeps a bounded tail of it while the client lags.
import { describe, expect, test } from 'vitest';
import { OutputTail } from '../../debug/output-tail.js';

function tail(backlog: { bytes: number }, tailChars = 100) {
  const sent: { text: string; category: string }[] = [];
  const queued: (() => void)[] = [];
  const t = new OutputTail((text, category) => sent.push({ text, category }), () => backlog.bytes, run => void queued.push(run), tailChars, 1000);
  const tick = () => { for (const run of queued.splice(0)) run(); };
  return { t, sent, tick };
}

describe('OutputTail', () => {
  test('output is sent in one batch once the scheduled flush runs', () => {
    const { t, sent, tick } = tail({ bytes: 0 });
    t.write('a\n');
    t.write('b\n');
    expect(sent).toEqual([]);
    tick();
    expect(sent).toEqual([{ text: 'a\nb\n', category: 'stdout' }]);
  });

  test('while the client lags, only the last whole lines are kept, and the lines dropped are counted exactly', () => {
    const backlog = { bytes: 5000 };
    const { t, sent, tick } = tail(backlog);
    for (let i = 0; i < 10_000; i++) t.write(`line ${i}\n`);
    tick();
    expect(sent).toEqual([]);
    expect(t.waiting.chars).toBeLessThanOrEqual(200);
    backlog.bytes = 0;
    tick();
    expect(sent[0]!.category).toBe('console');
    const dropped = Number(/^\[([\d,]+) lines of output not shown/.exec(sent[0]!.text)![1]!.replace(/,/g, ''));
    const shown = sent[1]!.text.split('\n').filter(Boolean);
    expect(shown[0]).toMatch(/^line \d+$/);
    expect(shown.at(-1)).toBe('line 9999');
    expect(dropped + shown.length).toBe(10_000);
    expect(Number(shown[0]!.slice(5))).toBe(dropped);
  });

  test('flush sends at once, whatever the backlog (before a stop or an exit)', () => {
    const { t, sent } = tail({ bytes: 1e9 });
    t.write('last words\n');
    t.flush();
    expect(sent).toEqual([{ text: 'last words\n', category: 'stdout' }]);
  });
});
