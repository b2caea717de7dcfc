// The real-editor e2e: packages aria.vsix, installs it into code-server, and checks diagnostics, highlighting, hover and commands.
//
//   npm run test:e2e          (node scripts/e2e.mjs)
// Env: ARIA_E2E_TOOLS   the shared editor-e2e harness (default: <repo>/../shared/tools/editor-e2e)
//      HARNESS_HOME     where code-server and playwright-core are installed (default /tmp/aria-editor-e2e)
//      ARIA_E2E_PORT    code-server port (default: a free one)
//      ARIA_E2E_NO_BUILD=1  reuse the existing aria.vsix
//      ARIA_E2E_ONLY     comma-separated sessions to run: trusted, tests, restricted (default: all)
// Prints one PASS/FAIL/SKIP line per check and ends with `N passed, N failed`; exits 1 on any failure.
// A SKIP is printed only when the bundled server itself does not offer the feature yet (asked over stdio first).
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startLspServer } from '../test/e2e/lsp-stdio.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const e2eDir = join(repoRoot, 'test', 'e2e');
const outDir = join(e2eDir, 'out');
const tools = resolve(process.env.ARIA_E2E_TOOLS ?? resolve(repoRoot, '..', 'shared', 'tools', 'editor-e2e'));
const vsix = join(repoRoot, 'aria.vsix');
const run = promisify(execFile);

/** The files the editor opens: a syntax error that any parser reports, and an effect-error example. */
const SYNTAX_FILE = join(e2eDir, 'fixtures', 'syntax-error.aria');
const EFFECT_FILE = join(repoRoot, 'examples', 'errors', 'missing-io.aria');
const RUN_FILE = join(repoRoot, 'examples', 'hello-main.aria');
const TESTS_FILE = join(e2eDir, 'fixtures', 'bank-tests.aria');
const RACY_FILE = join(repoRoot, 'examples', 'bug-lost-update.aria');
const FIXED_FILE = join(repoRoot, 'examples', 'bug-lost-update-fixed.aria');
/** ARIA_E2E_ONLY=tests (or trusted, restricted; comma-separated) runs only those sessions. */
const only = name => !process.env.ARIA_E2E_ONLY || process.env.ARIA_E2E_ONLY.split(',').includes(name);
const COMMAND_TITLES = ['Aria: Restart Language Server', 'Aria: Show Output', 'Aria: Explain Effect', 'Aria: Run File', 'Aria: Debug File'];

const results = [];
const record = (name, status, detail = '') => {
  results.push({ name, status, detail });
  const line = `${status.toUpperCase().padEnd(4)} ${name}${detail && status !== 'pass' ? `\n     ${String(detail).split('\n').join('\n     ')}` : ''}`;
  process.stdout.write(`${line}\n`);
};

function finish() {
  const passed = results.filter(r => r.status === 'pass').length;
  const failed = results.filter(r => r.status === 'fail').length;
  const skipped = results.filter(r => r.status === 'skip').length;
  if (skipped) process.stdout.write(`${skipped} skipped (see SKIP lines)\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed || passed === 0 ? 1 : 0);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** 1-based line and column of the first match of `re` (group 1 if present) in `text`. */
function positionOf(text, re) {
  const m = re.exec(text);
  if (!m) return undefined;
  const offset = m.index + (m[1] ? m[0].indexOf(m[1]) : 0);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n'), word: m[1] ?? m[0] };
}

/** Asks the bundled server (over stdio) what the editor should show for each file. */
async function askServer(files) {
  const server = startLspServer(join(repoRoot, 'dist', 'server.js'));
  try {
    const init = await server.request('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {} } },
    });
    server.notify('initialized', {});
    const answers = {};
    for (const file of files) {
      const uri = pathToFileURL(file).href;
      server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'aria', version: 1, text: readFileSync(file, 'utf8') } });
      const diagnostics = (await server.diagnosticsFor(uri)) ?? [];
      answers[file] = { uri, errors: diagnostics.filter(d => d.severity === 1).map(d => ({ line: d.range.start.line + 1, message: d.message })) };
    }
    let explainSupported = true;
    try {
      await server.request('aria/explainEffect', { textDocument: { uri: pathToFileURL(files[0]).href }, position: { line: 0, character: 0 } });
    } catch (error) {
      if (error.code === -32601) explainSupported = false;
    }
    return { capabilities: init.capabilities ?? {}, answers, explainSupported };
  } finally {
    await server.close();
  }
}

async function main() {
  process.stdout.write(`Aria real-editor e2e (harness: ${tools})\n`);
  if (!existsSync(join(tools, 'install-code-server.sh'))) {
    record('shared editor-e2e harness found', 'fail', `no install-code-server.sh in ${tools}; set ARIA_E2E_TOOLS`);
    return finish();
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  if (process.env.ARIA_E2E_NO_BUILD !== '1') {
    try {
      await run('npm', ['run', 'package'], { cwd: repoRoot, maxBuffer: 16 << 20 });
      record('npm run package builds aria.vsix', existsSync(vsix) ? 'pass' : 'fail', 'aria.vsix missing');
    } catch (error) {
      record('npm run package builds aria.vsix', 'fail', `${error.stderr || error.message}`.slice(-1500));
      return finish();
    }
  }

  let server;
  try {
    server = await askServer([SYNTAX_FILE, EFFECT_FILE]);
    record('bundled server answers over stdio (preflight)', 'pass');
  } catch (error) {
    record('bundled server answers over stdio (preflight)', 'fail', error.message);
    return finish();
  }

  // the workspace: the two files, nothing else
  const workspace = mkdtempSync(join(tmpdir(), 'aria-e2e-ws-'));
  for (const file of [SYNTAX_FILE, EFFECT_FILE, RUN_FILE]) cpSync(file, join(workspace, basename(file)));

  // what the terminal must show: the last line the bundled CLI prints for the program when run directly (the
  // terminal's visible rows are its end), and the exit code it ended with
  const direct = await run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'run', join(workspace, basename(RUN_FILE))], { cwd: workspace })
    .then(r => ({ text: `${r.stderr}\n${r.stdout}`, code: 0 }), e => ({ text: `${e.stderr ?? ''}\n${e.stdout ?? ''}`, code: e.code }));
  const lastLine = direct.text.split('\n').map(l => l.trim()).filter(Boolean).pop() ?? '';
  const exitText = direct.code === 0 ? '[the program exited normally]' : `[the program exited with code ${direct.code}]`;

  const syntaxText = readFileSync(SYNTAX_FILE, 'utf8');
  const effectText = readFileSync(EFFECT_FILE, 'utf8');
  const syntaxErrors = server.answers[SYNTAX_FILE].errors;
  const effectErrors = server.answers[EFFECT_FILE].errors;
  const hoverAt = positionOf(effectText, /^fn (\w+)\([^)]*\) -> \{IO\}/m);
  const explainAt = positionOf(effectText, /^fn (sum_and_log)\b/m) ?? positionOf(effectText, /^fn (\w+)/m);
  const totalAt = positionOf(effectText, /^ {2}(total) = sum\(xs\)/m);
  const inspectAt = positionOf(syntaxText, /^(fn) greet/m);
  if (syntaxErrors.length === 0) {
    record('bundled server reports the syntax error in fixtures/syntax-error.aria', 'fail', 'no error diagnostics over stdio');
  }

  const plan = {
    outDir: join(outDir, 'trusted'),
    timeoutMs: 120_000,
    files: [
      {
        name: basename(SYNTAX_FILE),
        status: true,
        // keyword, function name, type, string and comment each get their own colour (in any theme); the effect
        // name and the duration are coloured too (their colour may equal the type's, depending on the theme)
        tokens: { distinct: ['fn', 'greet', 'String', '"hello', '# A file'], coloured: ['IO', 'Async', '250'], inspect: { line: inspectAt.line, col: inspectAt.col, scope: '(keyword|storage)\\.[\\w.]+\\.aria' } },
        errors: syntaxErrors.length ? syntaxErrors : [{ line: 0, message: '(the server reported none over stdio)' }],
        minProblemErrors: 1,
      },
      {
        name: basename(EFFECT_FILE),
        errors: effectErrors,
        errorsSkip: `the bundled server reports no errors for ${basename(EFFECT_FILE)} over stdio yet (effect checking not in the server)`,
        minProblemErrors: effectErrors.length,
        hover: hoverAt && {
          word: hoverAt.word,
          line: hoverAt.line,
          col: hoverAt.col + 1,
          expect: '{IO}',
          skip: server.capabilities.hoverProvider ? undefined : 'the bundled server has no hoverProvider yet',
        },
        // The static type of a local, inferred, in a hover and as an inlay hint after its first binding.
        hovers: totalAt ? [{ word: 'total', line: totalAt.line, col: totalAt.col + 3, expect: 'Type: Int' }] : [],
        inlay: totalAt && { line: totalAt.line, expect: 'total: Int = sum(xs)' },
        explain: explainAt && {
          word: explainAt.word,
          line: explainAt.line,
          col: explainAt.col + 1,
          skip: server.explainSupported ? undefined : 'the bundled server does not handle aria/explainEffect yet',
        },
      },
    ],
    run: { file: basename(RUN_FILE), title: `Aria: ${basename(RUN_FILE)}`, expect: lastLine.slice(0, 60), exit: exitText },
    // the program's output reaches the Debug Console through the debug adapter when it is debugged
    debug: { file: basename(RUN_FILE), line: positionOf(readFileSync(RUN_FILE, 'utf8'), /^fn (main)\b/m)?.line ?? 1, expect: direct.code === 0 ? lastLine.slice(0, 60) : '' },
    commands: COMMAND_TITLES,
    output: true,
  };
  if (only('trusted')) await session('trusted', workspace, plan, []);
  rmSync(workspace, { recursive: true, force: true });

  // The Test Explorer: a test file with passing and failing tests, and a race only exploring finds.
  if (only('tests')) {
    const tests = mkdtempSync(join(tmpdir(), 'aria-e2e-tests-'));
    cpSync(TESTS_FILE, join(tests, basename(TESTS_FILE)));
    cpSync(RACY_FILE, join(tests, basename(RACY_FILE)));
    // the fixed program passes every schedule: exploring 100,000,000 of them runs until cancelled
    const fixedText = readFileSync(FIXED_FILE, 'utf8').replace('fn deposits_all_land()', 'fn fixed_deposits_all_land()');
    writeFileSync(join(tests, basename(FIXED_FILE)), fixedText);
    mkdirSync(join(tests, '.vscode'));
    writeFileSync(join(tests, '.vscode', 'settings.json'), JSON.stringify({ 'aria.test.exploreSchedules': 100_000_000 }, null, 2));
    const racyText = readFileSync(RACY_FILE, 'utf8');
    await session('tests', tests, {
      outDir: join(outDir, 'tests'),
      timeoutMs: 120_000,
      tests: {
        file: basename(TESTS_FILE),
        pass: ['deposits_add_up', 'withdraw_takes_away'],
        fail: ['overdraft_is_refused'],
        failMessage: 'assert_eq failed: left -5, right 10',
        cancel: { file: basename(FIXED_FILE), test: 'fixed_deposits_all_land', line: positionOf(fixedText, /^(@test)/m)?.line ?? 1, schedules: 100000000 },
        racy: {
          file: basename(RACY_FILE),
          test: 'deposits_all_land',
          line: positionOf(racyText, /^(@test)/m)?.line ?? 1,
          replay: 'bug-lost-update.deposits_all_land.json',
          failure: 'assert_eq failed: left 110, right 130',
          schedules: 100000000,
        },
      },
    }, []);
    rmSync(tests, { recursive: true, force: true });
  }

  // Restricted Mode: the same extension in an untrusted folder whose settings point aria.server.path at a
  // missing file, and whose user settings point it at `evil-server.js`, relative: joined to the folder, a script
  // of the untrusted folder would run (it leaves a marker file). Language features must still work (the setting
  // is ignored whatever its scope); Run and Debug refuse.
  if (!only('restricted')) {
    process.stdout.write(`screenshots: ${outDir}\n`);
    return finish();
  }
  const untrusted = mkdtempSync(join(tmpdir(), 'aria-e2e-untrusted-'));
  cpSync(SYNTAX_FILE, join(untrusted, basename(SYNTAX_FILE)));
  cpSync(TESTS_FILE, join(untrusted, basename(TESTS_FILE)));
  mkdirSync(join(untrusted, '.vscode'));
  writeFileSync(join(untrusted, '.vscode', 'settings.json'), JSON.stringify({ 'aria.server.path': '/nonexistent/not-a-server.js' }, null, 2));
  const marker = `${untrusted}.server-ran`;
  writeFileSync(join(untrusted, 'evil-server.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
  await session('restricted', untrusted, {
    outDir: join(outDir, 'restricted'),
    timeoutMs: 120_000,
    restricted: true,
    files: [{ name: basename(SYNTAX_FILE), status: true, errors: plan.files[0].errors, minProblemErrors: 1 }],
    testRefusal: { file: basename(TESTS_FILE), test: 'deposits_add_up' },
    refusals: [
      { file: basename(SYNTAX_FILE), command: 'Aria: Run File', expect: 'running Aria programs is disabled because this workspace is not trusted', forbidden: `Aria: ${basename(SYNTAX_FILE)}` },
      { file: basename(SYNTAX_FILE), command: 'Aria: Debug File', expect: 'debugging Aria programs is disabled because this workspace is not trusted' },
    ],
  }, ['--restricted'], { 'aria.server.path': 'evil-server.js' });
  record('restricted: a user-level relative aria.server.path does not run the untrusted folder\'s script',
    existsSync(marker) ? 'fail' : 'pass', `${marker} was written: evil-server.js ran as the language server`);
  rmSync(marker, { force: true });
  rmSync(untrusted, { recursive: true, force: true });

  process.stdout.write(`screenshots: ${outDir}\n`);
  return finish();
}

/** One code-server session driven through `plan`; its checks are recorded with `label` in front. */
async function session(label, workspace, plan, flags, userSettings = {}) {
  const dir = plan.outDir;
  mkdirSync(dir, { recursive: true });
  const planPath = join(dir, 'plan.json');
  const resultPath = join(dir, 'result.json');
  writeFileSync(planPath, JSON.stringify(plan, null, 2));
  const port = process.env.ARIA_E2E_PORT ?? String(await freePort());
  const code = await new Promise(done => {
    const child = spawn('bash', [join(e2eDir, 'vscode-session.sh'), '--tools', tools, '--ext', vsix, '--workspace', workspace, '--port', port,
      '--settings', JSON.stringify({ 'terminal.integrated.gpuAcceleration': 'off', ...userSettings }), ...flags, '--',
      process.execPath, join(e2eDir, 'aria-driver.mjs'), '--plan', planPath, '--result', resultPath], { stdio: ['ignore', 'inherit', 'pipe'] });
    let log = '';
    child.stderr.on('data', chunk => {
      log += String(chunk);
      if (process.env.ARIA_E2E_VERBOSE === '1') process.stderr.write(chunk);
    });
    child.on('exit', c => {
      writeFileSync(join(dir, 'session.log'), log);
      done(c ?? 1);
    });
  });
  if (code === 2 || !existsSync(resultPath)) {
    record(`${label}: code-server starts with aria.vsix installed`, 'fail', `exit ${code}; see ${join(dir, 'session.log')}`);
    return;
  }
  record(`${label}: code-server starts with aria.vsix installed`, 'pass');
  const result = JSON.parse(readFileSync(resultPath, 'utf8'));
  for (const c of result.checks) record(`${label}: ${c.name}`, c.status, typeof c.detail === 'string' ? c.detail : '');
}

main().catch(error => {
  record('e2e runner', 'fail', error && error.stack ? error.stack : String(error));
  finish();
});
