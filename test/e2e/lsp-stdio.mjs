// A minimal JSON-RPC client for a language server on stdio: the e2e asks the bundled server what the editor should show.
import { spawn } from 'node:child_process';

/**
 * Starts `node serverJs --stdio`. Returns request/notify helpers, the diagnostics the server pushes per URI,
 * and close(). Requests from the server (workspace/configuration, client/registerCapability) get null replies.
 */
export function startLspServer(serverJs, { log = () => {} } = {}) {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += String(chunk)));
  const pending = new Map();
  const diagnostics = new Map();
  const diagnosticWaiters = [];
  let nextId = 1;
  let buffer = Buffer.alloc(0);

  const write = message => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin.write(body);
  };
  const exited = new Promise(resolve => child.on('exit', code => {
    for (const { reject } of pending.values()) reject(new Error(`server exited (${code}): ${stderr.slice(-500)}`));
    pending.clear();
    resolve(code);
  }));

  child.stdout.on('data', chunk => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = /Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'));
      const end = headerEnd + 4 + Number(length ? length[1] : 0);
      if (buffer.length < end) return;
      const message = JSON.parse(buffer.subarray(headerEnd + 4, end).toString('utf8'));
      buffer = buffer.subarray(end);
      if (message.method && message.id !== undefined) {
        // a request from the server: answer so it does not wait (configuration gets defaults)
        const result = message.method === 'workspace/configuration' ? (message.params?.items ?? []).map(() => null) : null;
        write({ id: message.id, result });
      } else if (message.method === 'textDocument/publishDiagnostics') {
        diagnostics.set(message.params.uri, message.params.diagnostics);
        for (const w of diagnosticWaiters.splice(0)) w();
      } else if (message.method) {
        log(`server notification ${message.method}`);
      } else if (pending.has(message.id)) {
        const { resolve, reject } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
        else resolve(message.result);
      }
    }
  });

  return {
    request(method, params, timeoutMs = 20_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method}: no reply in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: v => { clearTimeout(timer); resolve(v); },
          reject: e => { clearTimeout(timer); reject(e); },
        });
        write({ id, method, params });
      });
    },
    notify(method, params) {
      write({ method, params });
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
    },
  };
}
