// Records kept in chunks: what a query reads is what the flat list of placed records would give.
import { describe, expect, test } from 'vitest';
import { Records, moveSpan } from '../../analysis/typing/records.js';

interface R { readonly span: { start: number; end: number }; readonly name: string }
const move = (r: R, d: number): R => ({ ...r, span: moveSpan(r.span, d) });

describe('Records', () => {
  // Three items at 10, 40 and 41 (touching at 40..41 is impossible for items; 41 starts right after 40's end) and
  // a loose record (a top-level statement) at 100.
  const loose: R[] = [{ span: { start: 100, end: 104 }, name: 'stmt' }];
  const chunks = [
    { base: 10, length: 30, records: [{ span: { start: 0, end: 30 }, name: 'a' }, { span: { start: 4, end: 6 }, name: 'a.x' }] },
    { base: 40, length: 1, records: [{ span: { start: 0, end: 1 }, name: 'b' }] },
    { base: 41, length: 20, records: [{ span: { start: 0, end: 3 }, name: 'c' }, { span: { start: 15, end: 20 }, name: 'c.y' }] },
  ];
  const records = new Records<R>(loose, chunks, move);
  const flat = records.all();

  test('all() places every record once', () => {
    expect(flat.map(r => `${r.name}@${r.span.start}-${r.span.end}`)).toEqual(['stmt@100-104', 'a@10-40', 'a.x@14-16', 'b@40-41', 'c@41-44', 'c.y@56-61']);
    expect(records.size).toBe(6);
  });

  test('at(offset) equals filtering all() at every offset, the ends of items included', () => {
    for (let offset = 0; offset <= 110; offset++) {
      const expected = flat.filter(r => r.span.start <= offset && offset <= r.span.end).map(r => r.name).sort();
      expect(records.at(offset).map(r => r.name).sort(), `offset ${offset}`).toEqual(expected);
    }
  });

  test('between(start, end) has every record meeting the range, and only records of items meeting it', () => {
    for (let start = 0; start <= 110; start += 3) {
      for (const width of [0, 1, 5, 30]) {
        const end = start + width;
        const got = records.between(start, end).map(r => r.name);
        for (const r of flat) if (r.span.start <= end && r.span.end >= start) expect(got, `${start}-${end}`).toContain(r.name);
        for (const name of got) {
          const chunk = chunks.find(c => c.records.some(r => r.name === name));
          if (chunk) expect(chunk.base <= end && chunk.base + chunk.length >= start, `${name} in ${start}-${end}`).toBe(true);
        }
      }
    }
  });

  test('moving a chunk moves its records and leaves the kept ones alone', () => {
    const again = new Records<R>(loose, chunks.map(c => ({ ...c, base: c.base + 7 })), move);
    expect(again.at(17 + 4).map(r => r.name).sort()).toEqual(['a', 'a.x']);
    expect(chunks[0]!.records[1]!.span).toEqual({ start: 4, end: 6 });
  });

  test('records placed where their item was checked (`at`) move by the distance to where it is now', () => {
    // The same three items, their records placed as when the items were checked 5 characters further on.
    const placedAt = chunks.map(c => ({ ...c, at: c.base + 5, records: c.records.map(r => move(r, c.base + 5)) }));
    const same = new Records<R>(loose, placedAt, move);
    expect(same.all().map(r => `${r.name}@${r.span.start}-${r.span.end}`)).toEqual(flat.map(r => `${r.name}@${r.span.start}-${r.span.end}`));
    for (let offset = 0; offset <= 110; offset++) {
      expect(same.at(offset).map(r => r.name).sort(), `offset ${offset}`).toEqual(records.at(offset).map(r => r.name).sort());
    }
    expect(same.between(12, 41).map(r => r.name).sort()).toEqual(records.between(12, 41).map(r => r.name).sort());
    // Not moved: the records themselves, unchanged.
    const inPlace = new Records<R>([], [{ base: 10, at: 10, length: 30, records: [{ span: { start: 14, end: 16 }, name: 'x' }] }], move);
    expect(inPlace.at(15)[0]).toBe(inPlace.all()[0]);
    expect(inPlace.at(15)[0]!.span).toEqual({ start: 14, end: 16 });
  });
});
