// The `aria` command as a user runs it: the bundled CLI as a child process, over every command.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-cli-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

function aria(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The `# output:` lines of an example: what it must print. */
function expectedOutput(file: string): string {
  return readFileSync(join(root, file), 'utf8').split('\n')
    .filter(l => l.startsWith('# output:')).map(l => l.slice('# output:'.length).replace(/^ /, '')).join('\n') + '\n';
}

function scratch(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aria-prog-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('aria', () => {
  test('--help lists the commands; an unknown command is a usage error', () => {
    const help = aria(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['check', 'run', 'lsp', 'dap', 'parse']) expect(help.stdout).toContain(`  ${c}`);
    const bad = aria(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command `frobnicate`');
  });

  test('run prints exactly what the program prints', () => {
    const r = aria(['run', 'examples/fetch-all-scope.aria']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expectedOutput('examples/fetch-all-scope.aria'));
  });

  test('run refuses a program with effect errors, showing them as check does', () => {
    const file = scratch('bad.aria', 'fn work() -> {Async} Unit\n  sleep(1.ms)\n  Cancel.check()\nend\nwork()\n');
    const r = aria(['run', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.aria:3:3: error E\d+: .*Cancel/);
    expect(r.stderr).toContain('was not run because of the errors above');
  });

  test('run refuses a program whose imported module has an effect error, showing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-prog-'));
    writeFileSync(join(dir, 'util.aria'), 'fn helper() -> {} Int\n  print("hi")\n  1\nend\n');
    writeFileSync(join(dir, 'main.aria'), 'import util\nprint(util.helper())\n');
    const r = aria(['run', join(dir, 'main.aria')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/util\.aria:2:3: error E0202: .*IO/);
    expect(r.stderr).toContain('was not run because of the errors above');
  });

  test('a failing program reports an Aria stack with source locations, never a JS stack', () => {
    const file = scratch('div.aria', 'fn ratio(a, b)\n  a / b\nend\nprint(ratio(1, 0))\n');
    const r = aria(['run', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('division by zero');
    expect(r.stderr).toMatch(/at ratio \(.*div\.aria:2:3\)/);
    expect(r.stderr).not.toMatch(/\.js:\d+|\.ts:\d+|node:internal/);
  });

  test('--trace writes Chrome Trace Event JSON; --stats prints the summary', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'aria-trace-')), 'run.json');
    const r = aria(['run', 'examples/worker-pool.aria', '--trace', trace, '--stats']);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string }[] };
    const phases = new Set(json.traceEvents.map(e => e.ph));
    expect(phases.has('X') || phases.has('B')).toBe(true);
    expect(r.stdout).toMatch(/worker\s+polls/);
  });

  test('the same seed replays the same run; options are validated', () => {
    const a = aria(['run', 'examples/worker-pool.aria', '--seed', '7', '--stats']);
    const b = aria(['run', 'examples/worker-pool.aria', '--seed', '7', '--stats']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(aria(['run', 'examples/fib.aria', '--workers', 'zero']).code).toBe(2);
    expect(aria(['run', 'examples/fib.aria', '--flavor', 'threads']).stderr).toContain('unknown flavor');
    expect(aria(['run', 'missing.aria']).code).toBe(2);
  });

  test('parse prints the tree and reports syntax errors with a location', () => {
    const ok = aria(['parse', 'examples/fib.aria']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('(source_file');
    const file = scratch('broken.aria', 'fn f()\n  x = 1\n');
    const bad = aria(['parse', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.aria:1:1: error E0001: expected `end` to close this `fn`/);
  });

  test("lsp --stdio answers initialize; dap answers a minimal initialize (pathFormat defaults to 'path', as DAP says)", async () => {
    const lsp = await handshake(['lsp', '--stdio'], { jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    expect(lsp).toMatchObject({ id: 1, result: { capabilities: { hoverProvider: true } } });
    const dap = await handshake(['dap'], { seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'aria' } });
    expect(dap).toMatchObject({ type: 'response', command: 'initialize', success: true, body: { supportsStepBack: true } });
  });
});

/** Starts `aria ARGS`, sends one Content-Length framed message and resolves with the first reply. */
function handshake(args: string[], message: object): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(out, 'cli.js'), ...args], { cwd: root });
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no reply from aria ${args.join(' ')}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const text = buffer.toString('utf8');
      const header = /Content-Length: (\d+)\r\n\r\n/.exec(text);
      if (!header) return;
      const start = header.index + header[0].length;
      const body = buffer.subarray(Buffer.byteLength(text.slice(0, start)));
      if (body.length < Number(header[1])) return;
      clearTimeout(timer);
      child.kill();
      resolvePromise(JSON.parse(body.subarray(0, Number(header[1])).toString('utf8')) as Record<string, unknown>);
    });
    const json = JSON.stringify(message);
    child.stdin.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  });
}
