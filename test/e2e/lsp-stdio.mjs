// A minimal JSON-RPC client for a language server on stdio: the e2e asks the bundled server what the editor should show.
import { spawn } from 'node:child_process';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';

/**
 * Starts `node serverJs --stdio`. Returns request/notify helpers, the diagnostics the server pushes per URI,
 * and close(). Requests from the server (workspace/configuration, client/registerCapability) get null replies.
 */
export function startLspServer(serverJs, { log = () => {} } = {}) {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += String(chunk)));
  const diagnostics = new Map();
  const diagnosticWaiters = [];
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  // a request from the server: answer so it does not wait (configuration gets defaults)
  connection.onRequest((method, params) => (method === 'workspace/configuration' ? (params?.items ?? []).map(() => null) : null));
  connection.onNotification('textDocument/publishDiagnostics', params => {
    diagnostics.set(params.uri, params.diagnostics);
    for (const w of diagnosticWaiters.splice(0)) w();
  });
  connection.onNotification(method => log(`server notification ${method}`));
  connection.listen();
  const exited = new Promise(resolve => child.on('exit', code => resolve(code)));

  return {
    request(method, params, timeoutMs = 20_000) {
      let timer;
      return Promise.race([
        connection.sendRequest(method, params),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${method}: no reply in ${timeoutMs} ms`)), timeoutMs))),
        exited.then(code => Promise.reject(new Error(`server exited (${code}): ${stderr.slice(-500)}`))),
      ]).finally(() => clearTimeout(timer));
    },
    notify(method, params) {
      void connection.sendNotification(method, params);
    },
    /** Resolves with the diagnostics for `uri` once they were published and stayed unchanged for `settleMs`. */
    async diagnosticsFor(uri, { timeoutMs = 10_000, settleMs = 500 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let last;
      let since = Date.now();
      while (Date.now() < deadline) {
        const now = diagnostics.get(uri);
        if (now !== last) {
          last = now;
          since = Date.now();
        } else if (now !== undefined && Date.now() - since >= settleMs) {
          return now;
        }
        await new Promise(resolve => {
          diagnosticWaiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return last;
    },
    get stderr() {
      return stderr;
    },
    async close() {
      try {
        await this.request('shutdown', null, 3000);
        this.notify('exit');
      } catch {}
      const timer = setTimeout(() => child.kill(), 3000);
      await exited;
      clearTimeout(timer);
      connection.dispose();
    },
  };
}
