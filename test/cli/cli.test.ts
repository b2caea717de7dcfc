// The `aria` command as a user runs it: the bundled CLI as a child process, over every command.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { framedStdio } from '../support/framed.js';
import type { ChromeTrace } from '../../runtime/trace.js';
import { traceProblems } from '../runtime/trace-format.js';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-cli-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The environment without the variables that decide colour, plus `env`. */
function environment(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base['NO_COLOR'];
  delete base['FORCE_COLOR'];
  return { ...base, ...env };
}

function aria(args: string[], cwd = root, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: environment(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `aria ARGS` on a pseudo-terminal (util-linux `script`): what a user at a terminal sees, stdout and stderr together. */
function ariaOnTerminal(args: string[], cwd = root, env: Record<string, string> = {}) {
  const command = [process.execPath, join(out, 'cli.js'), ...args].map(a => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd, encoding: 'utf8', timeout: 60_000, env: environment({ TERM: 'xterm', ...env }) });
  return { code: r.status, output: r.stdout };
}

/** A temporary folder holding `files` (path -> text). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aria-ws-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
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

  test('sum types: run prints variants, recv gives Some and None; check reports a variant called with the wrong arity', () => {
    const shapes = aria(['run', 'examples/shapes-match.aria']);
    expect(shapes.stderr).toBe('');
    expect(shapes.stdout).toBe(expectedOutput('examples/shapes-match.aria'));
    const program = [
      'enum Light { Red, Amber(seconds: Int), Green }',
      'fn next(l: Light) -> {} Light',
      '  match l',
      '    case Red => Green',
      '    case Green => Amber(3)',
      '    case Amber(_) => Red',
      '  end',
      'end',
      'print(next(Red), next(Green), next(next(Green)))',
      'ch = channel(1)',
      'ch.send(Amber(1))',
      'close(ch)',
      'print(recv(ch), recv(ch))',
      '',
    ].join('\n');
    const run = aria(['run', scratch('light.aria', program)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Green Amber(3) Red\nSome(Amber(1)) None\n');
    const bad = scratch('light.aria', program.replace('Amber(3)', 'Amber(3, 4)'));
    const check = aria(['check', bad]);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/light\.aria:5:\d+: error E0102/);
    const parsed = aria(['parse', bad]);
    expect(parsed.stdout).toContain('(enum_declaration');
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

  test('--trace stamps polls at their true time: busy time per worker track equals --stats', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'aria-trace-')), 'run.json');
    const r = aria(['run', 'examples/worker-pool.aria', '--seed', '3', '--trace', trace, '--stats']);
    expect(r.code).toBe(0);
    type Event = { ph: string; name: string; pid: number; tid: number; dur?: number; args?: { name?: string; statements?: number } };
    const events = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: Event[] }).traceEvents;
    const slices = events.filter(e => e.ph === 'X');
    expect(slices.filter(e => e.args!.statements! > 0 && e.dur === 0)).toEqual([]);
    const trackOf = new Map<string, string>();
    for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') trackOf.set(`${e.pid}/${e.tid}`, `rt${e.pid}/${e.args!.name!.replace('worker ', 'w')}`);
    const busy = new Map<string, number>();
    for (const e of slices) {
      const track = trackOf.get(`${e.pid}/${e.tid}`)!;
      busy.set(track, (busy.get(track) ?? 0) + e.dur!);
    }
    const rows = [...r.stdout.matchAll(/^(rt\d+\/w\d+)\s+\d+\s+([\d.]+)/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const [, worker, ms] of rows) expect(((busy.get(worker!) ?? 0) / 1000).toFixed(3)).toBe(ms);
    expect(rows.filter(([, , ms]) => Number(ms) > 0).length).toBeGreaterThanOrEqual(4);
    // The file as written is valid Trace Event Format (test/runtime/trace-format.ts).
    expect(traceProblems(JSON.parse(readFileSync(trace, 'utf8')) as ChromeTrace)).toEqual([]);
    // The main task's slices carry its name too.
    expect(slices.filter(e => e.name.startsWith('#1')).map(e => e.name)).toContain('#1 main');
    expect(slices.filter(e => e.name === '#1')).toEqual([]);
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

const MISSING_CANCEL = 'fn fetch_a() -> {Async, Cancel} Int\n  Cancel.check()\n  1\nend\n\nfn fetch_all() -> {Async} Int\n  fetch_a()\nend\n\nprint(fetch_all())\n';

describe('aria: usage, help and exit codes', () => {
  test('`aria` alone prints the help on stderr and exits 2', () => {
    const r = aria([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('usage: aria <command>');
  });

  test('`aria help check` and `aria check --help` print the command help on stdout, exit 0', () => {
    for (const command of ['check', 'run', 'parse', 'explain', 'lsp', 'dap']) {
      const a = aria(['help', command]);
      const b = aria([command, '--help']);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      expect(a.stdout).toContain(`usage: aria ${command}`);
      expect(b.stdout).toBe(a.stdout);
    }
    expect(aria(['help', 'frobnicate']).code).toBe(2);
  });

  test('an unknown flag is a usage error naming the flag, in every command', () => {
    for (const args of [['check', '--frob'], ['run', 'x.aria', '--frob'], ['parse', '--frob', 'x.aria'], ['explain', '--frob'], ['lsp', '--frob'], ['dap', '--frob'], ['--frob']]) {
      const r = aria(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('unknown option `--frob`');
    }
    const missing = aria(['check', '--format']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('`--format` needs a value');
  });
});

describe('aria check: what a terminal shows', () => {
  test('the gutter, the underline and a help: line with the editor\'s fix (rustc\'s layout)', () => {
    const file = scratch('main.aria', MISSING_CANCEL);
    const r = aria(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(['  |', '7 |   fetch_a()', '  |   ^^^^^^^^^'].join('\n'));
    expect(r.stdout).toContain(['help: add `Cancel` to the row of `fetch_all`', '  |', '6 | fn fetch_all() -> {Async, Cancel} Int', '  |                         ++++++++'].join('\n'));
  });

  test('help: wraps an unhandled effect in `with`, removes an unused row entry, completes a handler', () => {
    const unhandled = aria(['check', scratch('top.aria', 'fn poll() -> {Cancel} Unit\n  Cancel.check()\nend\npoll()\n')]);
    expect(unhandled.stdout).toContain(['help: wrap it in `with Cancel.timeout(1.seconds)`', '  |', '4 ~ with Cancel.timeout(1.seconds)', '5 ~   poll()', '6 ~ end'].join('\n'));
    const unused = aria(['check', scratch('unused.aria', 'fn add(a: Int, b: Int) -> {Async, IO} Int = a + b\nprint(add(1, 2))\n')]);
    expect(unused.stdout).toMatch(/help: remove `IO` from the row of `add`\n  \|\n1 \| fn add\(a: Int, b: Int\) -> \{Async, IO\} Int = a \+ b\n  \|                                 ----\n/);
    const handler = aria(['check', scratch('h.aria', 'effect Log {\n  fn log(m: String) -> Unit\n  fn flush() -> Unit\n}\nhandler Console for Log {\n  fn log(m) = print(m)\n}\n')]);
    expect(handler.stdout).toContain(['help: add the missing operation `flush`', '  |', '7 ~   fn flush() = panic("Console.flush is not implemented")', '8 ~ }'].join('\n'));
  });

  test('colour on a terminal, none in a pipe; NO_COLOR and FORCE_COLOR decide first', () => {
    const file = scratch('main.aria', MISSING_CANCEL);
    expect(aria(['check', file]).stdout).not.toContain('\x1b[');
    expect(aria(['check', file], root, { FORCE_COLOR: '1' }).stdout).toContain('\x1b[1;31merror E0202\x1b[0m');
    expect(aria(['check', file], root, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
    expect(aria(['check', file], root, { FORCE_COLOR: '0' }).stdout).not.toContain('\x1b[');
    const tty = ariaOnTerminal(['check', file]);
    expect(tty.output).toContain('\x1b[1;31merror E0202\x1b[0m');
    expect(ariaOnTerminal(['check', file], root, { NO_COLOR: '1' }).output).not.toContain('\x1b[');
  });

  test('a progress line on a terminal (files done / total), nothing when piped', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`m${i}.aria`] = `fn f${i}() -> {} Int = ${i}\n`;
    const dir = folder(files);
    const tty = ariaOnTerminal(['check'], dir);
    expect(tty.output).toContain('\rchecking 0/5 files\x1b[K');
    expect(tty.output).toContain('\rchecking 4/5 files\x1b[K');
    expect(tty.output).toContain('\r\x1b[Kno problems in 5 files');
    const piped = aria(['check'], dir);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('no problems in 5 files\n');
  });

  test('a file that is not .aria is refused, not parsed', () => {
    const r = aria(['check', 'README.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('aria check: README.md is not an Aria file (Aria files end in .aria)\n');
    expect(r.stdout).toBe('');
    expect(aria(['run', 'README.md']).stderr).toContain('README.md is not an Aria file');
  });

  test('check FILE also reports the errors of the modules it imports (what run would refuse)', () => {
    const dir = folder({ 'util.aria': 'fn helper() -> {} Int\n  print("hi")\n  1\nend\n', 'main.aria': 'import util\nprint(util.helper())\n' });
    const r = aria(['check', 'main.aria'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^util\.aria:2:3: error E0202: /m);
    expect(r.stdout).toContain('1 error, 0 warnings in 2 files');
  });
});

describe('aria check: the workspace and aria.toml', () => {
  test('no paths: the roots of aria.toml without its excludes; imports resolve from its folder', () => {
    const dir = folder({
      'aria.toml': 'roots = ["src", "tools"]\nexclude = ["src/fixtures", "**/*.broken.aria"]\n',
      'src/app.aria': 'import lib.util\nprint(util.one())\n',
      'src/fixtures/bad.aria': 'print(nope)\n',
      'src/old.broken.aria': 'print(nope)\n',
      'tools/gen.aria': 'print(1)\n',
      'lib/util.aria': 'fn one() -> {} Int = 1\n',
      'outside.aria': 'print(nope)\n',
    });
    for (const cwd of [dir, join(dir, 'src')]) {
      const r = aria(['check', '--format', 'json'], cwd);
      expect(r.code, r.stdout).toBe(0);
      const files = (JSON.parse(r.stdout) as { files: string[] }).files.map(f => f.replace(`${dir}/`, '').replace(/^\.\.\//, ''));
      expect(files.map(f => (cwd === dir ? f : f.startsWith('lib') || f.startsWith('tools') ? f : `src/${f}`)).sort()).toEqual(['lib/util.aria', 'src/app.aria', 'tools/gen.aria']);
    }
    // A folder that is excluded but named on purpose is checked.
    expect(aria(['check', 'src/fixtures'], dir).code).toBe(1);
  });

  test('a broken aria.toml is an error with its line, exit 2', () => {
    const dir = folder({ 'aria.toml': 'roots = ["src"]\nexclude = [1, 2]\n', 'src/a.aria': 'print(1)\n' });
    const r = aria(['check'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('aria check: aria.toml: `exclude` must be a list of strings\n');
    const syntax = aria(['check'], folder({ 'aria.toml': 'roots = ["src"\n' }));
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^aria check: aria\.toml:\d+:\d+: /);
    const unknown = aria(['check'], folder({ 'aria.toml': '[runtime]\nthreads = 4\n' }));
    expect(unknown.stderr).toContain('unknown key `runtime.threads`');
  });

  test('this repository: `aria check` at the root checks the examples, not the fixtures of broken programs', () => {
    const r = aria(['check']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^no problems in \d+ files\n$/);
  });

  test('aria.toml [runtime] gives aria run its default flavour and workers; flags win', () => {
    const runtime = (dir: string, ...flags: string[]) => /runtime #0 \((\w+)\): workers (\d+)/.exec(aria(['run', 'main.aria', '--stats', ...flags], dir).stdout)?.slice(1);
    const single = folder({ 'aria.toml': '[runtime]\nflavor = "single"\n', 'main.aria': 'print(1)\n' });
    expect(runtime(single)).toEqual(['single', '1']);
    expect(runtime(single, '--flavor', 'multi')).toEqual(['multi', '4']);
    const three = folder({ 'aria.toml': '[runtime]\nworkers = 3\n', 'main.aria': 'print(1)\n' });
    expect(runtime(three)).toEqual(['multi', '3']);
    expect(runtime(three, '--workers', '2')).toEqual(['multi', '2']);
  });
});

describe('aria explain', () => {
  const doc = readFileSync(join(root, 'docs', 'diagnostics.md'), 'utf8');
  const table = [...doc.matchAll(/^\| ([EW]\d{4}) \| (error|warning) \| (.*) \|$/gm)].map(m => ({ code: m[1]!, title: m[3]! }));

  test('every code of docs/diagnostics.md explains itself, with its example, from the document', () => {
    expect(table.length).toBeGreaterThan(10);
    for (const { code, title } of table) {
      const r = aria(['explain', code]);
      expect(r.code, code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`${code}: ${title}`);
    }
    const e0202 = aria(['explain', 'e0202']);
    const section = doc.slice(doc.indexOf('### E0202'), doc.indexOf('### E0203'));
    const example = section.slice(section.indexOf('```aria\n') + 8, section.indexOf('```', section.indexOf('```aria\n') + 8)).trimEnd().split('\n');
    for (const line of example) expect(e0202.stdout).toContain(`    ${line}`.trimEnd());
  });

  test('an unknown code is a usage error listing the codes', () => {
    const r = aria(['explain', 'E9999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no diagnostic has the code `E9999`');
    expect(r.stderr).toContain('E0202');
  });
});

describe('aria run: reports and pipes', () => {
  test('a failed task heads the report: `task #2 (work) failed: ...`, then where it was awaited, then the seed', () => {
    const file = scratch('div.aria', 'fn work(n)\n  sleep(10.ms)\n  10 / n\nend\n\nt = spawn work(0)\nx = t.await\nprint(x)\n');
    const r = aria(['run', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(0, 5)).toEqual([
      'error: task #2 (work) failed: division by zero',
      expect.stringMatching(/^    at work \(.*div\.aria:3:3\)$/),
      '  awaited by task #1 (main)',
      expect.stringMatching(/^    at <main> \(.*div\.aria:7:\d+\)$/),
      'note: run with seed 1: `--seed 1` or "seed": 1 in launch.json replays it',
    ]);
  });

  test('--trace says where it wrote the trace and how to open it', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'aria-trace-')), 'out.json');
    const r = aria(['run', 'examples/fib.aria', '--trace', trace]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^aria run: wrote the trace \\(\\d+ events\\) to ${trace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(r.stderr).toContain('https://ui.perfetto.dev');
  });

  test('output into a closed pipe ends quietly (`aria run prog.aria | head -1`)', () => {
    const file = scratch('loop.aria', 'for i in 0..200000\n  print("line #{i}")\nend\n');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${join(out, 'cli.js')}" run "${file}" | head -1; echo "status \${PIPESTATUS:-done}"`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('line 0');
  });

  test('one seed type and one default: --seed is a number, the default is 1, --stats prints it', () => {
    const fixed = aria(['run', 'examples/worker-pool.aria', '--seed', '1', '--stats']);
    const defaulted = aria(['run', 'examples/worker-pool.aria', '--stats']);
    expect(defaulted.stdout).toBe(fixed.stdout);
    expect(defaulted.stdout).toMatch(/\nseed 1\n/);
    expect(aria(['run', 'examples/worker-pool.aria', '--seed', '7', '--stats']).stdout).toMatch(/\nseed 7\n/);
    const bad = aria(['run', 'examples/fib.aria', '--seed', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seed takes a whole number from 0 to 4294967295, not `abc`');
  });
});

describe('aria run: deadlocks and the watchdog', () => {
  const programs = 'test/runtime/programs';

  test('a partial deadlock (two tasks wait on each other, a heartbeat keeps a timer pending) ends the run with its cycle', () => {
    const r = aria(['run', `${programs}/deadlock-partial.aria`, '--timeout', '20s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('waiting\n');
    const head = r.stderr.split('\n')[0]!;
    expect(head).toMatch(/^error: deadlock: tasks wait on each other \(#3 relay → #4 relay → #3 relay\), and the main task can never go on/);
    expect(r.stderr).toMatch(/task #3 \(relay\) waits on a value from channel #0 \(held by task #4 relay.*\) at .*deadlock-partial\.aria:3:9/);
    expect(r.stderr).toMatch(/task #4 \(relay\) waits on a value from channel #1 \(held by task #3 relay.*\) at .*deadlock-partial\.aria:3:9/);
    // Found at once, long before the heartbeat's first beat (it used to run on to 66,664 s of virtual time).
    const stats = aria(['run', `${programs}/deadlock-partial.aria`, '--stats']);
    expect(Number(/virtual time ([\d.]+) ms/.exec(stats.stdout)?.[1])).toBeLessThan(1);
  });

  test('a deadlock among background tasks is told on stderr as it happens; main goes on and ends', () => {
    const r = aria(['run', `${programs}/deadlock-background.aria`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('main done\n');
    expect(r.stderr).toMatch(/^warning: deadlock: tasks wait on each other \(#2 relay → #3 relay → #2 relay\): task #2 \(relay\) waits on a value from channel #0/);
    expect(r.stderr).toMatch(/\(at 0\.\d+ ms of virtual time\)\n$/);
    expect(r.stderr.match(/deadlock/g)).toHaveLength(1);
  });

  test('the watchdog: a minute of virtual time with only timers waking tasks, while a task waits on a channel', () => {
    const r = aria(['run', `${programs}/watchdog-stall.aria`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('gave up\n');
    expect(r.stderr).toBe('warning: no progress: for 60.060 s of virtual time only timers have woken tasks, while task #2 (worker) waits on a value from channel #0 (at 59059.002 ms of virtual time)\n');
    // A program whose tasks only sleep is never reported.
    expect(aria(['run', 'examples/retry-backoff.aria']).stderr).not.toMatch(/no progress/);
  });
});

describe('aria run --stats: metrics and lints', () => {
  interface Hist { readonly length: number; reduce(f: (a: number, b: number) => number, z: number): number }
  const total = (h: Hist) => h.reduce((a, b) => a + b, 0);
  const json = (args: string[]) => {
    const r = aria(['run', ...args, '--stats', '--format', 'json']);
    return { r, stats: JSON.parse(r.stdout.trimEnd().split('\n').pop()!) };
  };

  test('--format json writes every per-task, per-worker and channel metric as one object on the last line', () => {
    const { r, stats } = json(['examples/worker-pool.aria']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('jobs: 64, total: 16506');
    expect(stats.seed).toBe(1);
    const jobs = stats.tasks.filter((t: { name: string }) => t.name === 'job');
    expect(jobs.length).toBe(64 + 92);
    for (const t of stats.tasks) {
      // One poll time and one scheduled time per poll.
      expect(total(t.pollTimeHistogram)).toBe(t.polls);
      expect(total(t.scheduledTimeHistogram)).toBe(t.polls);
      expect(t.busyUs).toBe(t.steps);
      expect(t.selfWakes).toBeLessThanOrEqual(t.wakes);
    }
    // Each job yields once: one wake, its own.
    for (const t of jobs) expect([t.wakes, t.selfWakes]).toEqual([1, 1]);
    expect(jobs.some((t: { scheduledUs: number }) => t.scheduledUs > 100)).toBe(true);
    for (const w of stats.workers) {
      expect(total(w.metrics.worker_poll_time_histogram)).toBe(w.metrics.worker_poll_count);
      if (w.metrics.worker_poll_count > 0) expect(w.metrics.worker_mean_poll_time_us).toBeCloseTo(w.metrics.worker_total_busy_duration_us / w.metrics.worker_poll_count);
      expect(typeof w.metrics.worker_noop_count).toBe('number');
    }
    // Queue depth over time: the worker the jobs were spawned from had a deep queue, and it emptied.
    const deepest = Math.max(...stats.workers.flatMap((w: { queueDepth: [number, number][] }) => w.queueDepth.map(p => p[1])));
    expect(deepest).toBeGreaterThan(10);
    for (const w of stats.workers) for (let i = 1; i < w.queueDepth.length; i++) expect(w.queueDepth[i][0]).toBeGreaterThanOrEqual(w.queueDepth[i - 1][0]);
    const channels = json(['examples/producer-consumer.aria']).stats.channels;
    expect(channels).toEqual([{ id: 0, capacity: 2, length: 0, buffered: [], closed: true, waitingReceivers: [], waitingSenders: [] }]);
    expect(aria(['run', 'examples/fib.aria', '--format', 'json']).code).toBe(2);
    expect(aria(['run', 'examples/fib.aria', '--stats', '--format', 'yaml']).stderr).toContain('unknown format `yaml` (text or json)');
  });

  test('scheduled time (ready, waiting for the worker) is apart from idle time', () => {
    const { stats } = json(['test/runtime/programs/lints.aria']);
    const task = (name: string) => stats.tasks.find((t: { name: string }) => t.name === name);
    // One worker: the spinner waits in the queue while the hog runs 6,004 statements. That is scheduled time, not idle.
    expect(task('spinner').scheduledUs).toBeGreaterThanOrEqual(task('hog').busyUs);
    expect(task('spinner').idleUs).toBe(0);
    // The lonely task waits on its channel until the run ends: idle.
    expect(task('lonely').idleUs).toBeGreaterThan(4000);
  });

  test('the lints: long poll, never yields, self-wakes, blocked forever, failure nobody awaits', () => {
    const text = aria(['run', 'test/runtime/programs/lints.aria', '--stats']);
    expect(text.code).toBe(1);
    const lints = text.stdout.slice(text.stdout.indexOf('lints (5):')).trimEnd().split('\n');
    expect(lints).toEqual([
      'lints (5):',
      '  never-yields: task #2 (hog) never yielded: it ran 6.004 ms in its one poll',
      '  long-poll: task #3 (spinner) a poll ran 4.005 ms without a yield (of 6 polls)',
      '  self-wakes: task #3 (spinner) woke itself 5 of 5 times (yield_now or a spent budget)',
      '  blocked-forever: task #4 (lonely) waited on what nothing that could run would release, until the run ended',
      '  unawaited-failure: task #5 (broken) failed and nobody awaited it: nobody looks',
    ]);
    expect(json(['test/runtime/programs/lints.aria']).stats.lints.map((l: { kind: string; task: number }) => `${l.kind} #${l.task}`))
      .toEqual(['never-yields #2', 'long-poll #3', 'self-wakes #3', 'blocked-forever #4', 'unawaited-failure #5']);
    // A run without any of them lists none.
    expect(aria(['run', 'examples/producer-consumer.aria', '--stats']).stdout).not.toContain('lints');
  });
});

describe('aria parse', () => {
  test('--positions: an indented tree with field names and 1-based ranges', () => {
    const file = scratch('p.aria', 'fn add(a, b) = a + b\n');
    const r = aria(['parse', '--positions', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('(source_file [1:1-2:1]');
    expect(lines[1]).toBe('  (function_definition [1:1-1:21]');
    expect(lines[2]).toBe('    name: (identifier [1:4-1:7])');
    expect(r.stdout).not.toContain('"');
    const plain = aria(['parse', file]);
    expect(plain.stdout.split('\n')[2]).toBe('    name: (identifier)');
  });
});

/** Starts `aria ARGS`, sends one Content-Length framed message and resolves with the first reply. */
async function handshake(args: string[], message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [join(out, 'cli.js'), ...args], { cwd: root });
  const io = framedStdio(child);
  try {
    await io.send(message);
    return await io.next(() => true, 30_000);
  } finally {
    io.dispose();
    child.kill();
  }
}
