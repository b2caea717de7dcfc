// Re-copies the examples into test/textmate/snapshots/ and rewrites their snapshots: `npx tsx test/textmate/update-snapshots.ts`.
import { refreshSnapshots } from './tm-tools.js';

const run = refreshSnapshots();
process.stdout.write(run.output);
process.exit(run.code ?? 1);
