// Soundness, the checker's contract: generated programs whose closures travel through lists, fields, results, matches, handlers and tasks; every program `aria check` accepts runs without meeting an unhandled operation.
import { expect, test } from 'vitest';
import { campaign } from './soundness.js';

test('accepted programs never meet an unhandled operation (seeded, bounded campaign)', async () => {
  const result = await campaign(11, 120, [{ seed: 1, workers: 4 }, { seed: 7, workers: 1 }]);
  // The campaign must exercise the checker: a good share of the programs are accepted and run.
  expect(result.accepted).toBeGreaterThan(15);
  expect(result.runs).toBe(result.accepted * 2);
  expect(result.unsound.map(u => `program seed ${u.seed}, run seed ${u.runSeed}: ${u.failure}\n${u.text}`)).toEqual([]);
  expect(result.otherFailures.map(f => `program seed ${f.seed}: ${f.failure}`)).toEqual([]);
}, 120_000);
