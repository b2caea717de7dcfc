// One name model: what `analysis/names.ts` says a name means must be what the checkers found when they looked it
// up (the effect pass reports names it cannot find; the type checker types each use by its binding).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { referenceAtOffset } from '../../analysis/navigation.js';
import { Workspace } from '../../analysis/workspace.js';
import { ariaFiles, examplesDir } from '../grammar/example-files.js';

const casesDir = join(import.meta.dirname, 'cases');
const programs = [
  ...ariaFiles().map(path => ({ name: path.slice(examplesDir.length + 1), text: readFileSync(path, 'utf8') })),
  ...readdirSync(casesDir).filter(f => f.endsWith('.aria')).map(f => ({ name: `cases/${f}`, text: readFileSync(join(casesDir, f), 'utf8') })),
  {
    name: 'shadowing and capture',
    text: [
      'fn outer(x: Int) -> {IO} Unit',
      '  y = "text"',
      '  inner = || y',
      '  for x in ["a", "b"]',
      '    print(x)',
      '  end',
      '  print(x + 1)',
      '  print(inner())',
      '  match Some(2.5)',
      '    case Some(y) => print(y)',
      '    case None => print(0)',
      '  end',
      '  print(nope)',
      '  nope2(1)',
      'end',
      '',
    ].join('\n'),
  },
];

describe('the name model agrees with the checkers', () => {
  test.each(programs)('$name', async ({ text }) => {
    const path = '/t/main.aria';
    const ws = await Workspace.create({ root: '/t' });
    ws.setFile(path, text);
    const names = ws.names(path)!;
    const undefinedNames = ws.diagnostics(path).filter(d => d.code === 'E0101');
    // Every name the effect pass could not find, the name model does not resolve to a declaration either.
    for (const d of undefinedNames) {
      const ref = referenceAtOffset(names, d.span.start);
      expect(ref?.target.kind === 'symbol' ? `${text.slice(d.span.start, d.span.end)} resolved` : 'unresolved', d.message).toBe('unresolved');
    }
    let compared = 0;
    for (const ref of names.references) {
      if (ref.target.kind !== 'symbol' || ref.role !== 'read') continue;
      const symbol = ref.target.symbol;
      // ... and every name it resolves, the effect pass found.
      expect(undefinedNames.some(d => d.span.start === ref.span.start), `${symbol.name} at ${ref.span.start}`).toBe(false);
      if (symbol.kind !== 'variable' && symbol.kind !== 'parameter') continue;
      // A local or parameter is not generalised: each use has the type of the binding the name model points at.
      const use = ws.typeAt(path, ref.span.start);
      const binding = ws.typeAt(path, symbol.nameSpan.start);
      if (!use || !binding || use.span.start !== ref.span.start || binding.span.start !== symbol.nameSpan.start) continue;
      expect(use.type, `${symbol.name} at ${ref.span.start} (declared at ${symbol.nameSpan.start})`).toBe(binding.type);
      compared++;
    }
    if (text.includes('shadowing')) expect(compared).toBeGreaterThanOrEqual(5);
  });
});
