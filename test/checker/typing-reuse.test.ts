// The type checker re-checks after an edit only the files whose inputs changed: what it reuses must equal a fresh
// check, file by file, after every edit of a seeded random sequence over a realistic multi-file program.
import { describe as suite, expect, test } from 'vitest';
import type { Diagnostic } from '../../analysis/diagnostics.js';
import { Workspace } from '../../analysis/workspace.js';
import { memoryWorkspace } from './harness.js';

const brief = (ds: readonly Diagnostic[]) => ds.map(d => `${d.span.start}-${d.span.end} ${d.code} ${d.message} ${d.related.map(r => `${r.path}:${r.span.start}`).join(' ')}`);

/** A small program: a logging library, jobs held in a struct with a typed closure field, a sum type, a main. */
function program(): Record<string, string> {
  return {
    'lib/log.aria': [
      '# Logging, as an effect with two handlers.',
      'effect Log {',
      '  fn log(msg: String) -> Unit',
      '}',
      '',
      'handler Console for Log {',
      '  fn log(msg) = print(msg)',
      '}',
      '',
      'handler Quiet for Log {',
      '  fn log(msg) = ()',
      '}',
      '',
      '# Runs a callback with its logging handled.',
      'fn with_console(f: () -> {Log | e} Unit) -> {IO | e} Unit',
      '  with Console',
      '    f()',
      '  end',
      'end',
      '',
      'fn twice(f)',
      '  f()',
      '  f()',
      'end',
    ].join('\n'),
    'lib/jobs.aria': [
      'import lib.log',
      '',
      '# A job keeps its work as a closure.',
      'struct Job(name: String, run: () -> {Log} Int)',
      '',
      'enum Outcome {',
      '  Done(value: Int)',
      '  Skipped(reason: String)',
      '}',
      '',
      'fn make(name: String, n: Int) -> Job',
      '  Job(name, || do_work(n))',
      'end',
      '',
      'fn do_work(n: Int) -> {Log} Int',
      '  Log.log("working")',
      '  n * 2',
      'end',
      '',
      'fn attempt(job: Job) -> {Log} Outcome',
      '  if job.name == ""',
      '    return Skipped("no name")',
      '  end',
      '  Done(job.run())',
      'end',
    ].join('\n'),
    'main.aria': [
      'import lib.log',
      'import lib.jobs',
      '',
      '# Runs every job and prints what came out.',
      'fn report(o) -> {IO} Unit',
      '  match o',
      '  case Done(v) => print("done #{v}")',
      '  case Skipped(r) => print("skipped: #{r}")',
      '  end',
      'end',
      '',
      'fn main() -> {IO} Unit',
      '  js = [jobs.make("a", 1), jobs.make("b", 2)]',
      '  for j in js',
      '    log.with_console(|| report(jobs.attempt(j)))',
      '  end',
      '  log.twice(|| print("bye"))',
      'end',
    ].join('\n'),
  };
}

/** Edits a user makes: inside bodies, of signatures and rows, of types, of imports; some break the program. */
const EDITS: readonly { readonly file: string; readonly from: string; readonly to: string }[] = [
  { file: 'lib/jobs.aria', from: '  n * 2', to: '  n * 3' },
  { file: 'lib/jobs.aria', from: '  Log.log("working")', to: '  Log.log("working")\n  sleep(1.ms)' },
  { file: 'lib/jobs.aria', from: 'run: () -> {Log} Int', to: 'run: () -> {} Int' },
  { file: 'lib/jobs.aria', from: 'fn make(name: String, n: Int) -> Job', to: 'fn make(name: String, n: String) -> Job' },
  { file: 'lib/jobs.aria', from: '  Skipped(reason: String)', to: '  Skipped(reason: String)\n  Failed(code: Int)' },
  { file: 'lib/log.aria', from: '  f()\n  f()', to: '  f()' },
  { file: 'lib/log.aria', from: '  fn log(msg) = ()', to: '  fn log(msg) = print("quiet")' },
  { file: 'lib/log.aria', from: 'fn with_console(f: () -> {Log | e} Unit) -> {IO | e} Unit', to: 'fn with_console(f: () -> {Log} Unit) -> {IO} Unit' },
  { file: 'lib/log.aria', from: '# Logging, as an effect', to: '# Logging (a comment only), as an effect' },
  { file: 'main.aria', from: '  case Skipped(r) => print("skipped: #{r}")', to: '  case Skipped(r) => print(r + 1)' },
  { file: 'main.aria', from: 'import lib.jobs', to: 'import lib.jobz' },
  // A job whose closure performs what the field's row does not allow: the error is here, and leaves with the edit.
  { file: 'main.aria', from: '  js = [jobs.make("a", 1), jobs.make("b", 2)]', to: '  js = [jobs.make("a", 1), Job("c", ||\n    print("c")\n    5\n  end)]' },
  { file: 'main.aria', from: '  log.twice(|| print("bye"))', to: '  log.twice(|| Log.log("bye"))' },
];

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function compare(ws: Workspace, files: Record<string, string>, step: string): Promise<void> {
  const fresh = await memoryWorkspace(files);
  for (const path of Object.keys(files)) {
    expect(brief(ws.diagnostics(path)), `${step}: ${path}`).toEqual(brief(fresh.diagnostics(path)));
    expect(ws.typeHints(path).map(h => `${h.offset}${h.label}`), `${step}: hints of ${path}`)
      .toEqual(fresh.typeHints(path).map(h => `${h.offset}${h.label}`));
    // Hover reads the records around an offset: every 7th offset, as a fresh check places them.
    const text = files[path]!;
    for (let offset = 0; offset < text.length; offset += 7) {
      expect(ws.typeAt(path, offset)?.type, `${step}: type at ${path}:${offset}`).toBe(fresh.typeAt(path, offset)?.type);
    }
    // The editor asks for the hints of what is on screen: those of a window are among them.
    const window = { start: Math.floor(text.length / 3), end: Math.floor(text.length / 2) };
    const all = ws.typeHints(path).filter(h => h.offset >= window.start && h.offset <= window.end).map(h => `${h.offset}${h.label}`);
    const seen = ws.typeHints(path, undefined, window).map(h => `${h.offset}${h.label}`);
    for (const h of all) expect(seen, `${step}: hints of ${path} in ${window.start}-${window.end}`).toContain(h);
  }
}

suite('type checking reuses the files an edit leaves alone', () => {
  test('an edit inside a body re-checks that file only; one of an interface re-checks what imports it', async () => {
    const files = program();
    const ws = await memoryWorkspace(files);
    expect(Object.keys(files).flatMap(p => ws.diagnostics(p).map(d => `${p} ${d.code} ${d.message}`))).toEqual([]);
    expect([...ws.types()!.checked!].sort()).toEqual(['/virtual/lib/jobs.aria', '/virtual/lib/log.aria', '/virtual/main.aria']);

    ws.updateFile('lib/jobs.aria', files['lib/jobs.aria']!.replace('  n * 2', '  n * 3'));
    expect([...ws.types()!.checked!]).toEqual(['/virtual/lib/jobs.aria']);

    ws.updateFile('lib/jobs.aria', files['lib/jobs.aria']!.replace('n: Int) -> Job', 'n: String) -> Job'));
    expect([...ws.types()!.checked!].sort()).toEqual(['/virtual/lib/jobs.aria', '/virtual/main.aria']);
    expect(ws.diagnostics('main.aria').map(d => d.code)).toContain('E0301');
  });

  test('a seeded random sequence of edits: every file equals a fresh check after each', async () => {
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const files = program();
      const mismatches: string[] = [];
      const ws = await memoryWorkspace(files, { onShortcutMismatch: what => mismatches.push(what) });
      await compare(ws, files, `seed ${seed} start`);
      for (let step = 0; step < 14; step++) {
        const edit = EDITS[Math.floor(random() * EDITS.length)]!;
        const text = files[edit.file]!;
        // Apply the edit, or undo it when it is in place: sequences go forth and back.
        files[edit.file] = text.includes(edit.from) ? text.replace(edit.from, edit.to) : text.replace(edit.to, edit.from);
        ws.updateFile(edit.file, files[edit.file]!);
        await compare(ws, files, `seed ${seed} step ${step} (${edit.file}: ${edit.from.trim()})`);
      }
      expect(mismatches, `seed ${seed}`).toEqual([]);
    }
  });

  test('the same edits with the libraries closed (checked without records, bodies let go): each check equals a fresh one', async () => {
    for (const seed of [4, 5, 6]) {
      const random = mulberry32(seed);
      const files = program();
      const ws = await Workspace.create({ root: '/virtual' });
      const open = (name: string) => name === 'main.aria';
      for (const [name, text] of Object.entries(files)) ws.setFile(name, text, { keepTree: open(name) });
      let fresh = await memoryWorkspace(files);
      for (let step = 0; step < 14; step++) {
        const edit = EDITS[Math.floor(random() * EDITS.length)]!;
        const text = files[edit.file]!;
        files[edit.file] = text.includes(edit.from) ? text.replace(edit.from, edit.to) : text.replace(edit.to, edit.from);
        ws.updateFile(edit.file, files[edit.file]!, undefined, { keepTree: open(edit.file) });
        fresh = await memoryWorkspace(files);
        for (const path of Object.keys(files)) {
          expect(brief(ws.diagnostics(path)), `seed ${seed} step ${step} (${edit.file}: ${edit.from.trim()}): ${path}`).toEqual(brief(fresh.diagnostics(path)));
        }
      }
      // A closed library keeps its items' signatures only; hover there, asked now, checks it again in full.
      const kept = ws.types()!.reuse!.get('/virtual/lib/jobs.aria')!.env.module;
      expect(kept.items.filter(i => i.kind === 'Fn').every(i => i.kind === 'Fn' && i.body.stmts.length === 0)).toBe(true);
      const jobs = files['lib/jobs.aria']!;
      for (let offset = 0; offset < jobs.length; offset += 7) {
        expect(ws.typeAt('lib/jobs.aria', offset)?.type, `seed ${seed}: type at lib/jobs.aria:${offset}`).toBe(fresh.typeAt('lib/jobs.aria', offset)?.type);
      }
    }
  });
});

suite('a check for diagnostics only (aria check)', () => {
  test('records no types, and after a change checks every file again, as a fresh check would', async () => {
    const files = program();
    const ws = await Workspace.create({ root: '/virtual', diagnosticsOnly: true });
    for (const [name, text] of Object.entries(files)) ws.setFile(name, text);
    expect(Object.keys(files).flatMap(p => ws.diagnostics(p))).toEqual([]);
    const types = ws.types()!;
    expect([...types.spans.values()].map(r => r.size)).toEqual([0, 0, 0]);
    // Nothing reads a checked group's bodies again: the environments keep the items' signatures only.
    for (const r of types.reuse!.values()) expect(r.env.module.items.every(i => i.kind !== 'Fn' || i.body.stmts.length === 0), r.env.path).toBe(true);
    expect(Object.keys(files).flatMap(p => ws.typeHints(p))).toEqual([]);
    for (const edit of EDITS) {
      const text = files[edit.file]!;
      files[edit.file] = text.replace(edit.from, edit.to);
      ws.updateFile(edit.file, files[edit.file]!);
      expect([...ws.types()!.checked!].sort(), edit.to).toEqual(['/virtual/lib/jobs.aria', '/virtual/lib/log.aria', '/virtual/main.aria']);
      const fresh = await memoryWorkspace(files);
      for (const path of Object.keys(files)) expect(brief(ws.diagnostics(path)), `${edit.to}: ${path}`).toEqual(brief(fresh.diagnostics(path)));
    }
  });
});

suite('closed files are checked without their types until a query asks for them', () => {
  test('hover and hints in a closed file equal those of an open one, checking that file alone', async () => {
    const files = program();
    const open = await memoryWorkspace(files);
    const ws = await Workspace.create({ root: '/virtual' });
    // The server's scan: the workspace's files closed, one open in the editor.
    for (const [name, text] of Object.entries(files)) ws.setFile(name, text, { keepTree: name === 'main.aria' });
    const all = Object.keys(files).flatMap(p => brief(ws.diagnostics(p)));
    expect(all).toEqual(Object.keys(files).flatMap(p => brief(open.diagnostics(p))));
    const recorded = () => Object.fromEntries([...ws.types()!.reuse!].map(([p, r]) => [p.slice('/virtual/'.length), r.recorded]));
    expect(recorded()).toEqual({ 'lib/log.aria': false, 'lib/jobs.aria': false, 'main.aria': true });
    expect(ws.types()!.spans.get('/virtual/lib/jobs.aria')!.size).toBe(0);
    // Renaming a field reads every file's field uses: those are kept for closed files too.
    expect(ws.types()!.fieldUses.get('/virtual/lib/jobs.aria')!.size).toBeGreaterThan(0);

    const jobs = files['lib/jobs.aria']!;
    const at = jobs.indexOf('job.run()') + 5;
    expect(ws.typeAt('lib/jobs.aria', at)?.type).toBe(open.typeAt('lib/jobs.aria', at)?.type);
    expect(ws.typeAt('lib/jobs.aria', at)?.type).toBeDefined();
    expect([...ws.types()!.checked!]).toEqual(['/virtual/lib/jobs.aria']);
    expect(recorded()).toEqual({ 'lib/log.aria': false, 'lib/jobs.aria': true, 'main.aria': true });
    const hints = (w: Workspace, p: string) => w.typeHints(p).map(h => `${h.offset}${h.label}`);
    expect(hints(ws, 'lib/jobs.aria')).toEqual(hints(open, 'lib/jobs.aria'));
    const log = files['lib/log.aria']!;
    for (let offset = 0; offset < log.length; offset += 5) expect(ws.typeAt('lib/log.aria', offset)?.type, `lib/log.aria:${offset}`).toBe(open.typeAt('lib/log.aria', offset)?.type);
    // An edit elsewhere keeps what the queries asked for.
    ws.updateFile('main.aria', files['main.aria']!.replace('print("bye")', 'print("bye!")'));
    expect(recorded()).toEqual({ 'lib/log.aria': true, 'lib/jobs.aria': true, 'main.aria': true });
  });

  test('a closed file opened is recorded by the check of the diagnostics that follow, before any hover', async () => {
    const files = program();
    const ws = await Workspace.create({ root: '/virtual' });
    for (const [name, text] of Object.entries(files)) ws.setFile(name, text, { keepTree: false });
    ws.allDiagnostics();
    expect(ws.types()!.reuse!.get('/virtual/lib/jobs.aria')!.recorded).toBe(false);
    ws.setFile('lib/jobs.aria', files['lib/jobs.aria']!, { keepTree: true });
    ws.diagnostics('lib/jobs.aria');
    expect(ws.types()!.reuse!.get('/virtual/lib/jobs.aria')!.recorded).toBe(true);
    expect([...ws.types()!.checked!]).toEqual(['/virtual/lib/jobs.aria']);
  });

  test('the handlers of an operation in a closed file, found through its caller in another closed file', async () => {
    const files = {
      'lib/log.aria': 'effect Log {\n  fn log(msg: String) -> Unit\n}\n\nhandler Console for Log {\n  fn log(msg) = print(msg)\n}\n\nfn note(msg: String) -> {Log} Unit\n  Log.log(msg)\nend\n',
      'main.aria': 'import lib.log\n\nfn main() -> {IO} Unit\n  with Console\n    log.note("hi")\n  end\nend\n',
      'other.aria': 'print(1)\n',
    };
    const ws = await Workspace.create({ root: '/virtual' });
    for (const [name, text] of Object.entries(files)) ws.setFile(name, text, { keepTree: name === 'other.aria' });
    ws.allDiagnostics();
    const handlers = ws.handlersFor('lib/log.aria', files['lib/log.aria'].indexOf('Log.log(msg)') + 4);
    expect(handlers.map(h => `${h.path} ${files['main.aria'].slice(h.handlerSpan.start, h.handlerSpan.end)} ${h.effects.join()}`)).toEqual(['/virtual/main.aria Console Log']);
  });
});

suite('files that import each other', () => {
  test('a callee whose type changes is seen by a caller in the other file, which is checked again', async () => {
    const a = ['import b', '', 'fn f() -> Int', '  b.g() + 1', 'end', '', 'fn h()', '  1', 'end'].join('\n');
    const b = ['import a', '', 'fn g()', '  1', 'end', '', 'fn k()', '  a.h()', 'end'].join('\n');
    const ws = await memoryWorkspace({ 'a.aria': a, 'b.aria': b });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    // `g` now returns a String: `f` (same text, same file) adds one to it.
    const retyped = b.replace('  1\nend\n\nfn k()', '  "s"\nend\n\nfn k()');
    ws.updateFile('b.aria', retyped);
    const fresh = await memoryWorkspace({ 'a.aria': a, 'b.aria': retyped });
    expect(fresh.diagnostics('a.aria').map(d => d.code)).toEqual(['E0301']);
    expect(brief(ws.diagnostics('a.aria'))).toEqual(brief(fresh.diagnostics('a.aria')));
    expect(ws.types()!.reusedItems!.has('/virtual/a.aria#fn:f')).toBe(false);
    // An edit that leaves `g`'s type as it is leaves `f` reused.
    ws.updateFile('b.aria', retyped.replace('"s"', '"t"'));
    expect(ws.types()!.reusedItems!.has('/virtual/a.aria#fn:f')).toBe(true);
    expect(brief(ws.diagnostics('a.aria'))).toEqual(brief(fresh.diagnostics('a.aria')));
  });
});

suite('memory across re-checks', () => {
  test('a check does not keep the checks before it alive', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const files = program();
    const ws = await memoryWorkspace(files);
    ws.allDiagnostics();
    const first = new WeakRef(ws.types()!);
    for (let n = 3; n < 6; n++) {
      ws.updateFile('lib/jobs.aria', files['lib/jobs.aria']!.replace('  n * 2', `  n * ${n}`));
      ws.allDiagnostics();
    }
    await new Promise(resolve => setTimeout(resolve, 0));
    gc();
    expect(first.deref()).toBeUndefined();
  });
});

suite('type checking reuses the items an edit leaves alone', () => {
  const text = [
    '# Three functions and a script.',
    'fn double(n) = n * 2',
    '',
    'fn shout(s: String) -> {IO} Unit',
    '  print(s)',
    'end',
    '',
    'fn twice(f)',
    '  f()',
    '  f()',
    'end',
    '',
    'twice(|| shout("hi"))',
    'print(double(4))',
  ].join('\n');

  test('an edit inside one body checks that item again, the others are moved', async () => {
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    // A comment above shifts every item: they are reused where they now are, but for the first, whose doc comment
    // grew (the lowering makes it again).
    const shifted = `# one more line\n${text}`;
    ws.updateFile('a.aria', shifted);
    expect(ws.diagnostics('a.aria')).toEqual([]);
    expect([...ws.types()!.reusedItems!].sort()).toEqual(['/virtual/a.aria#fn:shout', '/virtual/a.aria#fn:twice']);
    expect(ws.typeAt('a.aria', shifted.indexOf('n * 2'))?.type).toBe('Int');
    // An edit inside `shout`'s body: `shout` is checked again, the others are not.
    const edited = shifted.replace('  print(s)', '  print(s, s)');
    ws.updateFile('a.aria', edited);
    expect([...ws.types()!.reusedItems!].sort()).toEqual(['/virtual/a.aria#fn:double', '/virtual/a.aria#fn:twice']);
    // An edit that changes `double`'s scheme: what names `double` is checked again (the script is, always).
    const retyped = edited.replace('fn double(n) = n * 2', 'fn double(n) = "#{n}#{n}"');
    ws.updateFile('a.aria', retyped);
    expect([...ws.types()!.reusedItems!].sort()).toEqual(['/virtual/a.aria#fn:shout', '/virtual/a.aria#fn:twice']);
    const fresh = await memoryWorkspace({ 'a.aria': retyped });
    expect(ws.typeHints('a.aria')).toEqual(fresh.typeHints('a.aria'));
    expect(ws.diagnostics('a.aria')).toEqual(fresh.diagnostics('a.aria'));
  });
});

suite('an item with a diagnostic is reused too, its places moved with it', () => {
  test('an effect chain through two callees, after a line inserted above everything', async () => {
    const text = [
      'fn wait() -> {Async} Unit',
      '  sleep(1.ms)',
      'end',
      '',
      'fn middle(n)',
      '  wait()',
      '  n',
      'end',
      '',
      '# Declares IO only, but reaches Async through middle and wait.',
      'fn top() -> {IO} Int',
      '  print("x")',
      '  middle(1)',
      'end',
    ].join('\n');
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria').map(d => d.code)).toEqual(['E0202']);
    for (const prefix of ['# one\n', '# one\n# two, longer\n', '']) {
      const moved = `${prefix}${text}`;
      ws.updateFile('a.aria', moved);
      const diagnostics = ws.diagnostics('a.aria');
      // `wait`'s doc comment changes each time: it is checked again; the others move, with their diagnostic.
      expect([...ws.types()!.reusedItems!].sort()).toEqual(['/virtual/a.aria#fn:middle', '/virtual/a.aria#fn:top']);
      const fresh = await memoryWorkspace({ 'a.aria': moved });
      expect(brief(diagnostics)).toEqual(brief(fresh.diagnostics('a.aria')));
      expect(diagnostics[0]!.related.map(r => moved.slice(r.span.start, r.span.end))).toEqual(fresh.diagnostics('a.aria')[0]!.related.map(r => moved.slice(r.span.start, r.span.end)));
    }
  });
});

// A re-check takes an item whose declaration the lowering kept, alone in its SCC then and now, without making its
// dependency key when none of the names it mentions reads otherwise (`unchangedFor`). These edits are where such a
// name reads otherwise though its own interface is the same: each shortcut must agree with the key it stands for,
// and the diagnostics with a fresh check.
suite('the shortcut of item reuse agrees with the dependency keys', () => {
  async function steps(files: Record<string, string>, edits: readonly (readonly [string, string, string])[]): Promise<{ reused: string[][]; mismatches: string[] }> {
    const mismatches: string[] = [];
    const ws = await memoryWorkspace(files, { onShortcutMismatch: what => mismatches.push(what) });
    for (const path of Object.keys(files)) ws.diagnostics(path);
    const reused: string[][] = [];
    // One harmless edit first: items are compared from the second check on.
    const edited = { ...files };
    for (const [file, from, to] of [['a.aria', '# end', '# end.'] as const, ...edits]) {
      expect(edited[file], `${file} has ${from}`).toContain(from);
      edited[file] = edited[file]!.replace(from, to);
      ws.updateFile(file, edited[file]!);
      const fresh = await memoryWorkspace(edited);
      for (const path of Object.keys(files)) expect(brief(ws.diagnostics(path)), `${path} after ${to}`).toEqual(brief(fresh.diagnostics(path)));
      reused.push([...ws.types()!.reusedItems!].sort());
    }
    return { reused, mismatches };
  }

  test('a function a body names without calling it, settled before it only after the edit, is not taken as the same', async () => {
    // `x` mentions `y` in a string: no call, so the order of their checks is free. Once `w` calls `y`, `y` is
    // settled before `x`, where `x`'s key read it as not settled yet.
    const a = ['fn w()', '  1', 'end', '', 'fn x(p)', '  print("y")', '  p', 'end', '', 'fn y()', '  2', 'end', '# end'].join('\n');
    const { reused, mismatches } = await steps({ 'a.aria': a }, [['a.aria', 'fn w()\n  1', 'fn w()\n  y()']]);
    expect(mismatches).toEqual([]);
    expect(reused[1]).not.toContain('/virtual/a.aria#fn:x');
  });

  test('a function named without a call that loses its complete signature is not taken as the same', async () => {
    // `y` keeps its type but now gets its scheme where the SCCs are checked, after `x`: `x`'s key read it as known.
    const a = ['fn x(p)', '  print("y")', '  p', 'end', '', 'fn y() -> {} Int', '  2', 'end', '# end'].join('\n');
    const { mismatches } = await steps({ 'a.aria': a }, [['a.aria', 'fn y() -> {} Int', 'fn y() -> Int']]);
    expect(mismatches).toEqual([]);
  });

  test('an item taken by its dependency key is looked at again for the functions it names without calling', async () => {
    // `y` loses its complete signature while `w` calls it, so it is checked before `x`, with the same type: `x` is
    // taken by its key. Once `w` no longer calls `y`, `y` is checked after `x` again.
    const a = ['fn w()', '  1', 'end', '', 'fn x(p)', '  print("y")', '  p', 'end', '', 'fn y(a: Int) -> {} Int', '  a + 2', 'end', '# end'].join('\n');
    const { reused, mismatches } = await steps({ 'a.aria': a }, [
      ['a.aria', 'fn w()\n  1', 'fn w()\n  y(1)'],
      ['a.aria', 'fn y(a: Int) -> {} Int', 'fn y(a) -> {} Int'],
      ['a.aria', 'fn w()\n  y(1)', 'fn w()\n  1'],
    ]);
    expect(mismatches).toEqual([]);
    expect(reused[2]).toContain('/virtual/a.aria#fn:x');
  });

  test('a function that leaves its SCC is not taken as the same', async () => {
    // `a` and `b` call each other; then `b` stops calling `a`, with the same type: `a` is alone now.
    const text = ['fn a(n)', '  if n > 0', '    b(n - 1)', '  end', '  n', 'end', '', 'fn b(n)', '  a(n)', 'end', '# end'].join('\n');
    const { reused, mismatches } = await steps({ 'a.aria': text }, [['a.aria', '  a(n)\nend', '  n + 0\nend'], ['a.aria', '  n + 0\nend', '  a(n)\nend']]);
    expect(mismatches).toEqual([]);
    expect(reused[1]).not.toContain('/virtual/a.aria#fn:a');
  });

  test('a module that leaves the group of mutual imports is not taken as the same', async () => {
    // a imports b imports c imports a; c stops importing a (and a changes elsewhere, so it is checked again): `f`
    // read module b's items while a and b were one group, b's fingerprint now.
    const files = {
      'a.aria': ['import b', '', 'fn f(p)', '  b.g(p)', 'end', '', 'fn other()', '  1', 'end', '# end'].join('\n'),
      'b.aria': ['import c', '', 'fn g(p)', '  c.h(p)', 'end'].join('\n'),
      'c.aria': ['import a', '', 'fn h(p)', '  p', 'end', '', 'fn k()', '  a.other()', 'end'].join('\n'),
    };
    const mismatches: string[] = [];
    const ws = await memoryWorkspace(files, { onShortcutMismatch: what => mismatches.push(what) });
    for (const path of Object.keys(files)) ws.diagnostics(path);
    const edited = { ...files, 'a.aria': files['a.aria'].replace('# end', '# end.') };
    ws.updateFile('a.aria', edited['a.aria']);
    ws.diagnostics('a.aria');
    edited['a.aria'] = edited['a.aria'].replace('  1\nend', '  2\nend');
    edited['c.aria'] = edited['c.aria'].replace('import a', '').replace('  a.other()', '  0');
    ws.updateFile('a.aria', edited['a.aria']);
    ws.updateFile('c.aria', edited['c.aria']);
    const fresh = await memoryWorkspace(edited);
    for (const path of Object.keys(files)) expect(brief(ws.diagnostics(path)), path).toEqual(brief(fresh.diagnostics(path)));
    expect([...ws.types()!.checked!].sort()).toEqual(['/virtual/a.aria', '/virtual/b.aria', '/virtual/c.aria']);
    expect(mismatches).toEqual([]);
    expect(ws.types()!.reusedItems!.has('/virtual/a.aria#fn:f')).toBe(false);
  });

  test('an edit inside one body of a long chain takes the other items by the shortcut', async () => {
    // The callers of the edited function read its interface, which is the same: all of them are reused.
    const chain = Array.from({ length: 12 }, (_, i) => `fn f${i}(x)\n  ${i > 0 ? `f${i - 1}(x) + ` : ''}x * ${i}\nend\n`).join('\n');
    const { reused, mismatches } = await steps({ 'a.aria': `${chain}# end` }, [['a.aria', 'x * 5', 'x * 50']]);
    expect(mismatches).toEqual([]);
    expect(reused[1]).toEqual(Array.from({ length: 12 }, (_, i) => `/virtual/a.aria#fn:f${i}`).filter(k => !k.endsWith('#fn:f5')).sort());
  });
});
