// scripts/build.mjs into a temp folder: the bundles exist, load as CommonJS, find their wasm, and the server speaks LSP.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');

let outdir = '';
let build: { code: number; stdout: string; stderr: string } = { code: -1, stdout: '', stderr: '' };

beforeAll(async () => {
  // a folder far from the repo, so a bundle can only find its wasm files beside itself
  outdir = mkdtempSync(join(tmpdir(), 'aria-build-test-'));
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/build.mjs', '--outdir', outdir, '--no-sourcemap'], { cwd: repoRoot });
    build = { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    build = { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('succeeds', () => {
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
  });

  it('writes CommonJS bundles with a package.json that overrides the root "type": "module"', () => {
    expect(JSON.parse(readFileSync(join(outdir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    for (const name of ['extension.js', 'tree-sitter-aria.wasm', 'web-tree-sitter.wasm']) {
      expect(existsSync(join(outdir, name)), name).toBe(true);
    }
  });

  it('leaves vscode to the extension host and bundles the language client', () => {
    const extension = readFileSync(join(outdir, 'extension.js'), 'utf8');
    expect(extension).toMatch(/require\("vscode"\)/);
    expect(extension).toContain('vscode-languageclient');
    expect(extension).toMatch(/module\.exports = __toCommonJS/);
  });

  it('bundles a CLI that runs as a program and parses with the wasm beside it', async () => {
    const { stdout } = await run(process.execPath, [join(outdir, 'cli.js'), 'parse', join(repoRoot, 'examples', 'fib.aria')]);
    expect(stdout).toMatch(/^\(source_file\n  \(/);
    expect(stdout).toContain('function_definition');
  });

  it('bundles a server that answers initialize over stdio', async () => {
    expect(existsSync(join(outdir, 'server.js'))).toBe(true);
    const reply = await initializeOverStdio(join(outdir, 'server.js'));
    expect(reply.id).toBe(1);
    expect(reply.error).toBeUndefined();
    expect(typeof reply.result?.capabilities).toBe('object');
    expect(reply.result?.capabilities?.textDocumentSync).toBeDefined();
  });
});

describe('the debug adapter bundle', () => {
  it('answers a DAP initialize over stdio', async () => {
    expect(existsSync(join(outdir, 'debug.js'))).toBe(true);
    const child = spawn(process.execPath, [join(outdir, 'debug.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const body = Buffer.from(JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'aria', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' } }));
      child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
      child.stdin.write(body);
      const reply = await new Promise<{ type?: string; request_seq?: number; success?: boolean; body?: Record<string, unknown> }>((resolve, reject) => {
        let buffer = '';
        const timer = setTimeout(() => reject(new Error(`no DAP reply in 20 s: ${buffer}`)), 20_000);
        child.stdout.on('data', chunk => {
          buffer += String(chunk);
          // messages are framed like LSP; take the first response
          for (const m of buffer.matchAll(/Content-Length: (\d+)\r\n\r\n/g)) {
            const start = m.index + m[0].length;
            const text = buffer.slice(start, start + Number(m[1]));
            if (text.length < Number(m[1])) return;
            const message = JSON.parse(text) as { type?: string };
            if (message.type === 'response') {
              clearTimeout(timer);
              resolve(message);
              return;
            }
          }
        });
      });
      expect(reply.request_seq).toBe(1);
      expect(reply.success).toBe(true);
      expect(typeof reply.body).toBe('object');
    } finally {
      child.kill();
    }
  });
});

interface RpcReply {
  id?: number;
  result?: { capabilities?: Record<string, unknown> };
  error?: unknown;
}

/** Starts the server, sends `initialize` with Content-Length framing, returns the reply, then shuts it down. */
async function initializeOverStdio(serverJs: string): Promise<RpcReply> {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += String(chunk)));
  const send = (message: object): void => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin.write(body);
  };
  const replies = readMessages(child.stdout);
  const exited = new Promise<number | null>(done => child.on('exit', code => done(code)));
  try {
    send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null } });
    const reply = await Promise.race([
      replies.next(1),
      exited.then(code => Promise.reject(new Error(`server exited with ${code} before replying: ${stderr}`))),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no initialize reply in 20 s: ${stderr}`)), 20_000)),
    ]);
    send({ method: 'initialized', params: {} });
    send({ id: 2, method: 'shutdown' });
    await Promise.race([replies.next(2), new Promise(done => setTimeout(done, 5000))]);
    send({ method: 'exit' });
    return reply;
  } finally {
    setTimeout(() => child.kill(), 3000).unref();
    await Promise.race([exited, new Promise(done => setTimeout(done, 3000))]);
    child.kill();
  }
}

function readMessages(stream: NodeJS.ReadableStream): { next(id: number): Promise<RpcReply> } {
  let buffer = Buffer.alloc(0);
  const seen: RpcReply[] = [];
  const waiting: Array<{ id: number; resolve: (r: RpcReply) => void }> = [];
  stream.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = /Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'));
      if (!length) throw new Error('reply without Content-Length');
      const end = headerEnd + 4 + Number(length[1]);
      if (buffer.length < end) return;
      const message = JSON.parse(buffer.subarray(headerEnd + 4, end).toString('utf8')) as RpcReply & { method?: string };
      buffer = buffer.subarray(end);
      // requests and notifications from the server (they carry a method, and their ids are the server's own)
      if (message.method !== undefined) continue;
      const i = waiting.findIndex(w => w.id === message.id);
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(message);
      else seen.push(message);
    }
  });
  return {
    next(id) {
      const found = seen.find(m => m.id === id);
      if (found) return Promise.resolve(found);
      return new Promise(resolve => waiting.push({ id, resolve }));
    },
  };
}
