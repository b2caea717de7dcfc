// Entry of the debug adapter: serves DAP on stdio (`aria dap`, dist/debug.js); the extension runs AriaDebugSession inline instead.
import { AriaDebugSession } from './session.js';

export { AriaDebugSession } from './session.js';

/**
 * Serves one debug session over the given streams (stdin/stdout by default) and resolves when the client
 * disconnects or the input closes. Nothing but DAP is written to `output`.
 */
export function runDebugAdapter(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<void> {
  const session = new AriaDebugSession();
  session.setRunAsServer(false);
  return new Promise(resolve => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    session.on('shutdown', finish);
    input.on('end', finish);
    input.on('close', finish);
    session.start(input, output);
  });
}

/** What the bundle's footer calls when dist/debug.js is run as a program. */
export async function start(): Promise<void> {
  await runDebugAdapter();
  // the session is over: leave even if a timer of the host is still pending
  process.exit(0);
}
