// Fuzzing the checker: random edits of every example and random bytes; it never throws, never hangs, and re-checks equal fresh checks.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import type { CampaignResult } from './fuzz-campaign.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
/** The campaign runs in a child process: a hang there is killed after this long and reported (it takes seconds). */
const hangGuardMs = 240_000;

test('random edits and random bytes: no exception, no hang, incremental equals fresh', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'fuzz-campaign.ts'), '7', '25', '150'], {
    cwd: repo, encoding: 'utf8', timeout: hangGuardMs, maxBuffer: 64 * 1024 * 1024,
  });
  expect(run.signal, `the campaign was killed (a hang?)\n${run.stderr}`).toBeNull();
  expect(run.status, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout) as CampaignResult;
  expect(result.runs).toBeGreaterThan(500);
  expect(result.failures.map(f => `${f.input} ${f.step}\n${f.error}`)).toEqual([]);
  expect(result.mismatches.map(m => `${m.input} ${m.step}`)).toEqual([]);
  expect(result.compared).toBeGreaterThan(50);
}, hangGuardMs + 10_000);
