// `npm run fuzz -- --minutes N [--seed S] [--out file]`: the long fuzzing campaign against the language server; prints and writes its summary.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatSummary, runCampaign } from '../test/fuzz/campaign.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '1' }, seed: { type: 'string', default: '16' }, out: { type: 'string' } } });
const minutes = Number(values.minutes);
const seed = Number(values.seed);
if (!(minutes > 0) || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- --minutes N [--seed S] [--out summary.txt]\n');
  process.exit(2);
}
const deadline = Date.now() + minutes * 60_000;
let lastReport = Date.now();
const summary = await runCampaign({
  seed, rounds: Number.MAX_SAFE_INTEGER, until: () => Date.now() >= deadline,
  onRound: s => {
    if (Date.now() - lastReport < 30_000) return;
    lastReport = Date.now();
    process.stderr.write(`fuzz: ${s.rounds} rounds, ${s.edits} edits, ${s.requests} requests, ${s.crashes} crashes, ${s.hangs} hangs\n`);
  },
});
const text = `${formatSummary(summary, minutes)}\n`;
process.stdout.write(text);
if (summary.failedLogs.length) process.stdout.write(`${summary.failedLogs.slice(0, 10).join('\n')}\n`);
if (values.out) writeFileSync(values.out, JSON.stringify(summary, null, 2));
process.exitCode = summary.crashes || summary.hangs || summary.answered !== summary.requests ? 1 : 0;
