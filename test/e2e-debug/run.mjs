// The debugger's real-editor e2e: builds the extension into a temp folder, opens a workspace with a test program and a
// launch.json in code-server, and runs debug-driver.mjs (breakpoint, Tasks/Workers/Timers rows, focus, timeline, and the
// timeline at 10, 1,000 and 10,000 tasks).
//
//   node test/e2e-debug/run.mjs [--port N] [--keep-out]
// Env: ARIA_E2E_TOOLS (default <repo>/../shared/tools/editor-e2e), HARNESS_HOME (default /tmp/aria-editor-e2e).
// Screenshots and result.json go to test/e2e-debug/out/. Exit 0 when every check passed.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { manyTasksProgram } from '../support/many-tasks.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const tools = resolve(process.env.ARIA_E2E_TOOLS ?? resolve(repoRoot, '..', 'shared', 'tools', 'editor-e2e'));
const outDir = join(here, 'out');
const run = promisify(execFile);

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'aria-debug-e2e-'));
try {
  // the extension folder: manifest, grammar files, icon, and freshly built bundles
  const ext = join(work, 'ext');
  mkdirSync(ext);
  for (const f of ['package.json', 'language-configuration.json', 'LICENSE']) cpSync(join(repoRoot, f), join(ext, f));
  for (const d of ['syntaxes', 'images']) cpSync(join(repoRoot, d), join(ext, d), { recursive: true });
  await run(process.execPath, ['scripts/build.mjs', '--outdir', join(ext, 'dist'), '--quiet'], { cwd: repoRoot });

  // the workspace: the scopes program (a stop at 50 ms with a known task tree) and a launch.json
  const ws = join(work, 'ws');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  const program = readFileSync(join(repoRoot, 'test', 'dap', 'programs', 'scopes.aria'), 'utf8');
  writeFileSync(join(ws, 'scopes.aria'), program);
  const line = program.split('\n').findIndex(l => /#\s*@checkpoint\b/.test(l)) + 1;
  // and a program whose spawned task panics (the stop on an uncaught failure, with the failed task's locals)
  cpSync(join(repoRoot, 'test', 'dap', 'programs', 'failure.aria'), join(ws, 'failure.aria'));
  // and a program whose locals have struct, lambda, Option and generic types (the Variables view's static types)
  const typed = readFileSync(join(repoRoot, 'test', 'dap', 'programs', 'typed.aria'), 'utf8');
  writeFileSync(join(ws, 'typed.aria'), typed);
  const typedLine = typed.split('\n').findIndex(l => /#\s*@main-print\b/.test(l)) + 1;
  // and a program whose variable changes line by line (stepping back in the editor)
  const stepBack = readFileSync(join(repoRoot, 'test', 'dap', 'programs', 'step-back.aria'), 'utf8');
  writeFileSync(join(ws, 'step-back.aria'), stepBack);
  const stepBackLine = stepBack.split('\n').findIndex(l => /#\s*@sb-stop\b/.test(l)) + 1;
  // and a deadlock: two relays wait on each other, main waits on the first (the stop before the teardown)
  cpSync(join(repoRoot, 'test', 'dap', 'programs', 'deadlock-cycle.aria'), join(ws, 'deadlock-cycle.aria'));
  // and a program with runtime warnings: a poll that never yields, a failure nobody awaits
  const lints = `# A task that computes 3,000 statements in one poll, and one that fails with nobody to await it.
fn crunch(n: Int) -> Int
  acc = 0
  for i in 0..n
    acc += i % 7
  end
  acc
end

fn boom(n: Int) -> Int
  if n > 2
    panic("too big")
  end
  n
end

# spawns boom and forgets its handle: when boom fails, nobody is left to await it
fn fire_and_forget() -> {Async} Int
  spawn boom(5)
  0
end

f = spawn fire_and_forget()
f.await
c = spawn crunch(3000)
total = c.await
sleep(5.ms)
print(total)                  # @lints
`;
  writeFileSync(join(ws, 'lints.aria'), lints);
  const lintsLine = lints.split('\n').findIndex(l => /#\s*@lints\b/.test(l)) + 1;
  // and the timeline at scale: about 10, 1,000 and 10,000 tasks
  const scale = [10, 1000, 10000];
  let stopLine = 0;
  for (const n of scale) {
    const text = manyTasksProgram(n);
    writeFileSync(join(ws, `many-${n}.aria`), text);
    stopLine = text.split('\n').findIndex(l => /#\s*@stop\b/.test(l)) + 1;
  }
  writeFileSync(join(ws, '.vscode', 'launch.json'), `${JSON.stringify({
    version: '0.2.0',
    configurations: [
      { type: 'aria', request: 'launch', name: 'Debug scopes.aria', program: '${workspaceFolder}/scopes.aria', workers: 2, seed: 1 },
      { type: 'aria', request: 'launch', name: 'Debug failure.aria', program: '${workspaceFolder}/failure.aria' },
      { type: 'aria', request: 'launch', name: 'Debug typed.aria', program: '${workspaceFolder}/typed.aria' },
      { type: 'aria', request: 'launch', name: 'Debug lints.aria', program: '${workspaceFolder}/lints.aria' },
      { type: 'aria', request: 'launch', name: 'Debug step-back.aria', program: '${workspaceFolder}/step-back.aria' },
      { type: 'aria', request: 'launch', name: 'Debug deadlock-cycle.aria', program: '${workspaceFolder}/deadlock-cycle.aria' },
      ...scale.map(n => ({ type: 'aria', request: 'launch', name: `Debug many-${n}.aria`, program: `\${workspaceFolder}/many-${n}.aria`, workers: 4, seed: 1 })),
    ],
  }, null, 2)}\n`);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const port = Number(process.argv.includes('--port') ? process.argv[process.argv.indexOf('--port') + 1] : await freePort());
  const code = await new Promise(done => {
    // The client e2e's session script, with the extension folder loaded as an Extension Development Host.
    const settings = { 'debug.toolBarLocation': 'floating', 'debug.openDebug': 'openOnDebugBreak', 'debug.internalConsoleOptions': 'neverOpen' };
    const child = spawn('bash', [join(here, '..', 'e2e', 'vscode-session.sh'), '--tools', tools, '--ext', ext, '--workspace', ws, '--port', String(port),
      '--settings', JSON.stringify(settings), '--',
      process.execPath, join(here, 'debug-driver.mjs'), '--file', 'scopes.aria', '--line', String(line), '--typed-line', String(typedLine), '--stop-line', String(stopLine), '--lints-line', String(lintsLine), '--step-back-line', String(stepBackLine), '--scale', scale.join(','), '--out', outDir], { stdio: 'inherit' });
    child.on('exit', c => done(c ?? 1));
  });
  const result = JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8'));
  for (const c of result.checks) console.log(`${c.status.toUpperCase().padEnd(4)} ${c.name}${c.status !== 'pass' ? `\n     ${c.detail}` : ''}`);
  const passed = result.checks.filter(c => c.status === 'pass').length;
  console.log(`${passed} passed, ${result.checks.length - passed} failed (screenshots in ${outDir})`);
  process.exitCode = code;
} finally {
  rmSync(work, { recursive: true, force: true });
}
