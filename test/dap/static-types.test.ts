// Reading the checker's rendered types back into their outer structure (what the Variables view follows into elements and fields).
import { describe, expect, it } from 'vitest';
import { parseType } from '../../debug/static-types.js';

describe('parseType', () => {
  it('reads constructors with arguments and keeps function types whole', () => {
    const t = parseType('List[Box[(Int, T) -> {IO | e} Option[T], String]]');
    expect(t).toMatchObject({ k: 'con', name: 'List' });
    const box = t?.k === 'con' ? t.args[0] : undefined;
    expect(box?.k === 'con' ? box.args.map(a => [a.k, a.text]) : []).toEqual([
      ['other', '(Int, T) -> {IO | e} Option[T]'], ['con', 'String'],
    ]);
    expect(parseType('() -> {} Unit')).toEqual({ k: 'other', text: '() -> {} Unit' });
    expect(parseType('Result[T, …]')).toMatchObject({ k: 'con', args: [{ text: 'T' }, { k: 'other', text: '…' }] });
  });

  it('answers undefined for text that is not a type, without throwing', () => {
    for (const bad of ['', 'List[', 'List[Int', '(Int', '(Int) ->', '(Int) -> {IO Int', 'List[Int]]', '[Int]', '1', 'A B']) {
      expect(parseType(bad), bad).toBeUndefined();
    }
    expect(parseType(`${'List['.repeat(100)}Int${']'.repeat(100)}`)).toMatchObject({ k: 'con', name: 'List' });
    expect(parseType(`${'List['.repeat(100_000)}Int${']'.repeat(100_000)}`)).toBeUndefined();
  });
});
