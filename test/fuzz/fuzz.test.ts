// The seeded, short fuzz suite: the server under random edits and requests, the debug adapter under malformed requests, the CLI on hostile files.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO } from '../server/lsp-client.js';
import { rng } from '../support/random.js';
import { runCampaign } from './campaign.js';

describe('language server', () => {
  test('random edits and every request kind at random positions, hostile documents and broken frames: no crash, no hang, every request answered', async () => {
    const summary = await runCampaign({ seed: 7, rounds: 12, hangMs: 20_000 });
    expect(summary.crashes, summary.failedLogs.join('\n')).toBe(0);
    expect(summary.hangs).toBe(0);
    expect(summary.requests).toBeGreaterThan(200);
    expect(summary.answered).toBe(summary.requests);
    expect(summary.edits).toBeGreaterThan(12);
  }, 120_000);
});

let out = '';
let dir = '';
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-fuzz-cli-'));
  dir = mkdtempSync(join(tmpdir(), 'aria-fuzz-files-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet', '--no-sourcemap'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  writeFileSync(join(out, 'aria-dap.js'), "require('./cli.js').main(['dap']).then(code => { process.exitCode = code; });\n");
}, 120_000);
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('debug adapter', () => {
  test('random malformed requests each get an answer or a word on stderr, and the adapter stays up', async () => {
    const next = rng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const commands = ['threads', 'stackTrace', 'scopes', 'variables', 'evaluate', 'setBreakpoints', 'continue', 'next', 'stepIn', 'pause', 'source', 'exceptionInfo', 'launch', 'nonsense'];
    const values = [null, -1, 0.5, 'abc', [], {}, true, 1e300, '💥', { line: 'x' }, 'x'.repeat(5000)];
    const keys = ['threadId', 'frameId', 'variablesReference', 'expression', 'source', 'breakpoints', 'lines', 'program', 'stepLimit', 'maxHeapMb', 'context', 'start', 'count'];
    const bodies: string[] = [];
    for (let seq = 2; seq < 202; seq++) {
      const args: Record<string, unknown> = {};
      for (let k = Math.floor(next() * 4); k > 0; k--) args[pick(keys)] = pick(values);
      const request = { seq, type: 'request', command: pick(commands), arguments: next() < 0.1 ? pick(values) : args };
      bodies.push(next() < 0.05 ? pick(['{', 'null', '[]', '"x"', '{"type":"event"}']) : JSON.stringify(request));
    }
    const child = spawn(process.execPath, [join(out, 'aria-dap.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', d => (text += String(d)));
    const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    child.stdin.write(frame(JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'aria' } })));
    for (const body of bodies) child.stdin.write(frame(body));
    child.stdin.write(frame(JSON.stringify({ seq: 999, type: 'request', command: 'threads' })));
    const requests = bodies.map(b => { try { return JSON.parse(b) as { seq?: number; type?: string }; } catch { return undefined; } })
      .filter((r): r is { seq: number; type: string } => typeof r?.seq === 'number' && r.type === 'request');
    // Read while the adapter writes: the last message may be cut short (it is read whole on the next poll).
    const parsed = (m: string) => { try { return JSON.parse(m) as { type: string; request_seq?: number; message?: string }; } catch { return undefined; } };
    const messages = () => text.split(/Content-Length: \d+\r\n\r\n/).filter(Boolean).flatMap(m => parsed(m) ?? []);
    const answered = () => new Set(messages().filter(m => m.type === 'response').map(m => m.request_seq));
    // Requests handled asynchronously are answered after the ones handled at once (the last, `threads`, among
    // them): wait for every answer, not for the last request's.
    const expected = [...requests.map(r => r.seq), 999];
    const started = Date.now();
    while (Date.now() - started < 30_000 && child.exitCode === null) {
      const seen = answered();
      if (expected.every(seq => seen.has(seq))) break;
      await new Promise(r => setTimeout(r, 20));
    }
    const alive = child.exitCode === null;
    child.kill();
    expect(alive).toBe(true);
    const seen = answered();
    for (const r of requests) expect(seen.has(r.seq), `request ${r.seq}`).toBe(true);
    for (const m of messages()) if (m.message) expect(m.message).not.toMatch(/\.js:\d+|\n\s+at /);
  }, 60_000);
});

describe('cli', () => {
  test('hostile files: random bytes, deep nesting, huge literals: aria check, run and parse end with a clean error', () => {
    const next = rng(5);
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const bytes = Buffer.alloc(200 + Math.floor(next() * 2000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
      files.push(join(dir, `bytes-${i}.aria`));
      writeFileSync(files[i]!, bytes);
    }
    const hostile: Record<string, string> = {
      'deep.aria': `x = ${'('.repeat(2500)}1${')'.repeat(2500)}\n`,
      'list.aria': `x = [${'1, '.repeat(100_000)}1]\nprint(len(x))\n`,
      'string.aria': `s = "${'a'.repeat(200_000)}"\nprint(len(s))\n`,
      'grow.aria': 's = "x"\nloop\n  s = s + s\nend\n',
      'mixed.aria': 'x = 1\ry = 2\r\nprint(x + y)\u0000',
    };
    for (const [name, text] of Object.entries(hostile)) {
      writeFileSync(join(dir, name), text);
      files.push(join(dir, name));
    }
    for (const f of files) {
      for (const command of [['check', f], ['run', f], ['parse', f]]) {
        const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...command], { cwd: dir, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
        expect([0, 1, 2], `${command.join(' ')}: ${r.stderr.slice(0, 300)}`).toContain(r.status);
        expect(r.stderr, command.join(' ')).not.toMatch(/internal error|FATAL ERROR|\.js:\d+:\d+/);
      }
    }
  }, 300_000);
});
