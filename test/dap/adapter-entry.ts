// Runs the debug adapter on stdio from source (what `aria dap` runs), for the DebugClient tests and the benchmark.
import { start } from '../../debug/main.js';

void start();
