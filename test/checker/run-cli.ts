// Runs the `aria` command line from source (cli/main.ts) as a process, for tests of the CLI boundary.
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
