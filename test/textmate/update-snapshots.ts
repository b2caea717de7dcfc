// Regenerates test/textmate/snapshots/ from the examples after an intended grammar change: `npx tsx test/textmate/update-snapshots.ts`.
import { runSnapshots } from './tm-tools.js';

const run = runSnapshots({ update: true });
process.stdout.write(run.output);
process.exit(run.code ?? 1);
