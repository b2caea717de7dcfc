// scripts/build.mjs into a temp folder: the bundles exist, load as CommonJS, find their wasm, and the server speaks LSP.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framedStdio } from '../support/framed.js';

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
      const io = framedStdio(child);
      await io.send({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'aria', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' } });
      const reply = await io.next<{ type?: string; request_seq?: number; success?: boolean; body?: Record<string, unknown> }>(m => m['type'] === 'response');
      io.dispose();
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

/** Starts the server, sends `initialize` over stdio, returns the reply, then shuts it down. */
async function initializeOverStdio(serverJs: string): Promise<RpcReply> {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += String(chunk)));
  const io = framedStdio(child);
  const send = (message: Record<string, unknown>) => io.send({ jsonrpc: '2.0', ...message });
  // replies carry the id of a request of ours and no method (the server's own requests carry both)
  const reply = (id: number, timeoutMs?: number) => io.next<RpcReply>(m => m['id'] === id && m['method'] === undefined, timeoutMs);
  const exited = new Promise<number | null>(done => child.on('exit', code => done(code)));
  try {
    await send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null } });
    const initialized = await Promise.race([
      reply(1),
      exited.then(code => Promise.reject(new Error(`server exited with ${code} before replying: ${stderr}`))),
    ]);
    await send({ method: 'initialized', params: {} });
    await send({ id: 2, method: 'shutdown' });
    await reply(2, 5000).catch(() => undefined);
    await send({ method: 'exit' });
    return initialized;
  } finally {
    setTimeout(() => child.kill(), 3000).unref();
    await Promise.race([exited, new Promise(done => setTimeout(done, 3000))]);
    child.kill();
    io.dispose();
  }
}
