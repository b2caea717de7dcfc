// The Workspace queries the language server uses: each answered in plain data, on small sources.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe as suite, expect, test } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../analysis/diagnostics.js';
import { Workspace } from '../../analysis/workspace.js';
import { memoryWorkspace } from './harness.js';

const SOURCE = `effect Log {
  fn log(message: String) -> Unit
}

handler Console for Log {
  fn log(message) = print(message)
}

fn fetch_a() -> {Async, Cancel} Int
  Cancel.check()
  sleep(1.ms)
  1
end

fn fetch_all() -> {Async} Int
  fetch_a()
end

fn helper(x)
  Log.log("x")
  sleep(2.ms)
  x
end

with Console
  result = helper(1)
end
print(result)
`;

/** The offset of the n-th occurrence of `needle` (plus `delta`). */
function at(text: string, needle: string, n = 0, delta = 0): number {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i === -1) throw new Error(`no ${needle} #${n}`);
  }
  return i + delta;
}

const slice = (text: string, span: { start: number; end: number }) => text.slice(span.start, span.end);

suite('diagnostics', () => {
  test('an effect outside the declared row: code, range of the offending call, message, chain as related information', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const ds = ws.diagnostics('main.aria');
    expect(ds.map(d => d.code)).toEqual(['E0202']);
    const d = ds[0]!;
    expect(d.severity).toBe('error');
    expect(d.path).toBe(ws.path('main.aria'));
    expect(slice(SOURCE, d.span)).toBe('fetch_a()');
    expect(d.message).toContain('`fetch_all`');
    expect(d.message).toContain('`Cancel`');
    expect(d.message).toContain('fetch_all -> fetch_a -> Cancel.check()');
    expect(d).toMatchObject({ effect: 'Cancel', function: 'fetch_all' });
    expect(d.related.map(r => slice(SOURCE, r.span))).toEqual(['Cancel.check()', '{Async}']);
  });

  test('close names are suggested', async () => {
    const text = 'effect Log {\n  fn log(m: String) -> Unit\n}\nfn helper() = 1\nfn f() -> {Asyn, Log} Unit\n  helpr()\n  [1].lne()\n  Log.lg("x")\nend\n';
    const ws = await memoryWorkspace({ 'a.aria': text });
    const messages = ws.diagnostics('a.aria').map(d => d.message);
    expect(messages.filter(m => m.includes('did you mean'))).toEqual([
      expect.stringContaining('did you mean `Async`?'),
      expect.stringContaining('did you mean `helper`?'),
      expect.stringContaining('did you mean `len`?'),
      expect.stringContaining('did you mean `log`?'),
    ]);
  });

  test('syntax errors come as E0001 with the rest of the file still checked', async () => {
    const text = 'fn f(x) -> {} Int\n  y = (x +\nend\n\nfn g() -> {} Unit = sleep(1.ms)\n';
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria').map(d => d.code)).toEqual(['E0001', 'E0202']);
    // Text swallowed by a syntax error reports nothing else: no `undefined name` for half-parsed code.
    const swallowed = 'fn f() -> {} Unit\n  x = (1 +\nend\nfn g() -> {} Unit = sleep(1.ms)\n';
    ws.setFile('b.aria', swallowed);
    expect(ws.diagnostics('b.aria').map(d => d.code)).toEqual(['E0001']);
  });

  test('a file added with keepTree: false has no tree left and checks exactly as one that keeps it', async () => {
    const broken = 'fn f() -> {} Unit\n  x = (1 +\nend\nfn g() -> {} Unit = sleep(1.ms)\n';
    const ws = await memoryWorkspace({});
    ws.setFile('kept.aria', broken);
    ws.setFile('freed.aria', broken, { keepTree: false });
    ws.setFile('freed-source.aria', SOURCE, { keepTree: false });
    ws.setFile('kept-source.aria', SOURCE);
    expect(ws.syntaxTree('kept.aria')).toBeDefined();
    expect(ws.syntaxTree('freed.aria')).toBeUndefined();
    const codes = (p: string) => ws.diagnostics(p).map(d => `${d.code}@${d.span.start}`);
    expect(codes('freed.aria')).toEqual(codes('kept.aria'));
    expect(codes('freed-source.aria')).toEqual(codes('kept-source.aria'));
    const rows = (p: string) => JSON.stringify(ws.functionRows(p)).replaceAll(p, 'file.aria');
    expect(rows('freed-source.aria')).toEqual(rows('kept-source.aria'));
    // The next change parses it from scratch; opening it (keepTree) keeps the tree from then on.
    const fixed = broken.replace('(1 +', '(1 + 2)');
    ws.updateFile('freed.aria', fixed, [{ start: broken.indexOf('(1 +'), end: broken.indexOf('(1 +') + 4, text: '(1 + 2)' }], { keepTree: true });
    expect(ws.syntaxTree('freed.aria')).toBeDefined();
    expect(codes('freed.aria').some(c => c.startsWith('E0001'))).toBe(false);
    ws.setFile('freed.aria', fixed, { keepTree: false });
    expect(ws.syntaxTree('freed.aria')).toBeUndefined();
  });

  test('closed files beyond the AST budget let their ASTs go and answer every query as before', async () => {
    // Four files of ~10,000 characters against a budget of 15,000: at most one closed file keeps its AST.
    const body = (i: number) => Array.from({ length: 300 }, (_, k) => `fn f${i}_${k}(x) = ${i > 0 ? `m${i - 1}.f${i - 1}_${k}(x)` : 'x + 1'}\n`).join('');
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`m${i}.aria`] = `${i > 0 ? `import m${i - 1}\n` : ''}${body(i)}`;
    const kept = await memoryWorkspace(files);
    const freed = await Workspace.create({ root: '/virtual', closedAstBudget: 15_000 });
    for (const [name, text] of Object.entries(files)) freed.setFile(name, text, { keepTree: false });
    for (const name of Object.keys(files)) expect(freed.diagnostics(name)).toEqual(kept.diagnostics(name));
    const probe = files['m2.aria']!.indexOf('m1.f1_200') + 4; // the call of f1_200 in m2
    const strip = (x: unknown) => JSON.stringify(x);
    expect(strip(freed.definition('m2.aria', probe))).toEqual(strip(kept.definition('m2.aria', probe)));
    expect(freed.references('m2.aria', probe).length).toBe(2);
    expect(strip(freed.references('m2.aria', probe))).toEqual(strip(kept.references('m2.aria', probe)));
    expect(strip(freed.documentSymbols('m0.aria'))).toEqual(strip(kept.documentSymbols('m0.aria')));
    expect(strip(freed.workspaceSymbols('f3_13'))).toEqual(strip(kept.workspaceSymbols('f3_13')));
    expect(strip(freed.functionRows('m0.aria'))).toEqual(strip(kept.functionRows('m0.aria')));
    expect(freed.module('m0.aria')?.items.length).toBe(300);
  });

  test('absurd nesting is E0002 for that file only, never an exception', async () => {
    const deep = `x = ${'('.repeat(20_000)}1${')'.repeat(20_000)}\nprint(x)\n`;
    const lambdas = `f = ${'|| '.repeat(5_000)}1\n`;
    const ws = await memoryWorkspace({ 'deep.aria': deep, 'lambdas.aria': lambdas, 'fine.aria': 'fn f() -> {} Unit = print(1)\n' });
    expect(ws.diagnostics('deep.aria').map(d => d.code)).toEqual(['E0002']);
    expect(ws.diagnostics('lambdas.aria').map(d => d.code)).toEqual(['E0002']);
    expect(ws.diagnostics('fine.aria').map(d => d.code)).toEqual(['E0202']);
    expect(ws.symbolAt('deep.aria', 5)).toBeUndefined();
    expect(ws.scopeAt('lambdas.aria', 5).length).toBeGreaterThan(0);
  });

  test('a chain across files points into the other file', async () => {
    const ws = await memoryWorkspace({
      'lib/net.aria': 'fn fetch() -> {Async, Cancel} Int\n  Cancel.check()\n  1\nend\n',
      'main.aria': 'import lib.net\nfn run() -> {Async} Int = net.fetch()\n',
    });
    const [d] = ws.diagnostics('main.aria');
    expect(d!.code).toBe('E0202');
    expect(d!.related[0]!.path).toBe(ws.path('lib/net.aria'));
    expect(slice(ws.text('lib/net.aria')!, d!.related[0]!.span)).toBe('Cancel.check()');
  });

  test('every code is documented in docs/diagnostics.md with a section', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const doc = readFileSync(join(here, '..', '..', 'docs', 'diagnostics.md'), 'utf8');
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(doc, code).toContain(`### ${code} `);
  });
});

suite('rows and effect origins', () => {
  test('functionRows: declared and inferred rows', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const rows = Object.fromEntries(ws.functionRows('main.aria').map(r => [r.name, r]));
    expect(rows['helper']).toMatchObject({ declared: undefined, inferred: '{Async, Log}', effects: ['Async', 'Log'] });
    expect(rows['fetch_all']).toMatchObject({ declared: '{Async}', inferred: '{Async, Cancel}' });
    expect(rows['fetch_a']).toMatchObject({ declared: '{Async, Cancel}', inferred: '{Async, Cancel}' });
    expect(rows['Console.log']).toMatchObject({ kind: 'operation', inferred: '{IO}' });
    expect(slice(SOURCE, rows['helper']!.nameSpan)).toBe('helper');
  });

  test('functionRows: what a body performs through fields, results and matches, as the type checker infers it', async () => {
    const text = [
      'struct Job(name: String, run: () -> {IO} Unit)',
      'fn run_job(job) = job.run()',
      'fn make() = || print("made")',
      'fn run_made() = make()()',
      'fn declared(job: Job) -> {IO} Unit',
      '  job.run()',
      'end',
      'fn first(jobs: List[Job])',
      '  match jobs',
      '    case [j, _] => j.run()',
      '    case _ => ()',
      '  end',
      'end',
      '',
    ].join('\n');
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    const rows = Object.fromEntries(ws.functionRows('a.aria').map(r => [r.name, r]));
    expect(rows['run_job']).toMatchObject({ inferred: '{IO}', effects: ['IO'] });
    expect(rows['run_made']).toMatchObject({ inferred: '{IO}' });
    expect(rows['make']).toMatchObject({ inferred: '{}' });
    expect(rows['declared']).toMatchObject({ declared: '{IO}', inferred: '{IO}' });
    expect(rows['first']).toMatchObject({ inferred: '{IO}' });
    // Where it comes from, as the type checker traced it: the call of the field.
    const [io] = ws.effectOrigins('a.aria', 'run_job');
    expect(io).toMatchObject({ effect: 'IO' });
    expect(io!.origins.map(o => slice(text, o.span))).toEqual(['job.run()']);
    const [made] = ws.effectOrigins('a.aria', 'run_made');
    expect(made!.effect).toBe('IO');
    expect(made!.origins[0]!.chain.map(c => c.label)).toContain('make');
  });

  test('the angle spelling is shown in the brace spelling', async () => {
    const ws = await memoryWorkspace({ 'a.aria': 'fn f(g: () -> {e} Unit) -> <IO | e> Unit\n  print(1)\n  g()\nend\n' });
    const [row] = ws.functionRows('a.aria');
    expect(row).toMatchObject({ declared: '{IO | e}', inferred: '{IO}', latentParams: ['g'] });
  });

  test('latentParams: the parameters whose functions the body calls or passes on to a call, inferred too', async () => {
    const text = [
      'fn twice(f)',
      '  f()',
      '  f()',
      'end',
      'fn through(g, n: Int) = twice(g)',
      'fn keep(h) = [h]',
      'fn local_only(k: () -> {} Int) -> {} Int',
      '  x = k',
      '  1',
      'end',
      '',
    ].join('\n');
    const ws = await memoryWorkspace({ 'a.aria': text });
    const rows = Object.fromEntries(ws.functionRows('a.aria').map(r => [r.name, r.latentParams]));
    expect(rows).toEqual({ twice: ['f'], through: ['g'], keep: [], local_only: [] });
  });

  test('effectOrigins: each effect with the chain it comes through', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const origins = ws.effectOrigins('main.aria', 'fetch_all');
    expect(origins.map(o => o.effect)).toEqual(['Async', 'Cancel']);
    const cancel = origins.find(o => o.effect === 'Cancel')!;
    expect(cancel.origins[0]!.chain.map(c => c.label)).toEqual(['fetch_a', 'Cancel.check()']);
    expect(cancel.origins[0]!.chain.map(c => c.inFunction)).toEqual(['fetch_all', 'fetch_a']);
    // By offset: the innermost function around it.
    expect(ws.effectOrigins('main.aria', at(SOURCE, 'sleep(2.ms)')).map(o => o.effect)).toEqual(['Async', 'Log']);
  });
});

suite('symbols', () => {
  test('symbolAt, definition and references of a function', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const use = at(SOURCE, 'fetch_a()', 1, 2);
    const s = ws.symbolAt('main.aria', use)!;
    expect(s.symbol).toMatchObject({ kind: 'function', name: 'fetch_a' });
    expect(s.symbol.detail).toBe('fn fetch_a() -> {Async, Cancel} Int');
    expect(s.isDeclaration).toBe(false);
    expect(s.row).toMatchObject({ declared: '{Async, Cancel}' });
    const [def] = ws.definition('main.aria', use);
    expect(def!.span.start).toBe(at(SOURCE, 'fetch_a() -> {'));
    expect(ws.references('main.aria', use).map(r => r.span.start)).toEqual([at(SOURCE, 'fetch_a() -> {'), at(SOURCE, 'fetch_a()', 1)]);
    expect(ws.references('main.aria', use, false)).toHaveLength(1);
  });

  test('locals, parameters, operations, built-ins', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    expect(ws.symbolAt('main.aria', at(SOURCE, 'x\nend'))!.symbol).toMatchObject({ kind: 'parameter', name: 'x' });
    expect(ws.references('main.aria', at(SOURCE, 'x\nend'))).toHaveLength(2);
    const local = ws.symbolAt('main.aria', at(SOURCE, 'result)'))!;
    expect(local.symbol).toMatchObject({ kind: 'local', name: 'result' });
    expect(ws.definition('main.aria', at(SOURCE, 'result)'))[0]!.span.start).toBe(at(SOURCE, 'result ='));
    expect(ws.symbolAt('main.aria', at(SOURCE, 'log("x")'))!.symbol).toMatchObject({ kind: 'operation', name: 'log', container: 'Log' });
    const print = ws.symbolAt('main.aria', at(SOURCE, 'print(result)'))!;
    expect(print.symbol).toMatchObject({ kind: 'builtin-function', name: 'print' });
    expect(print.symbol.path).toBeUndefined();
    expect(ws.definition('main.aria', at(SOURCE, 'print(result)'))).toEqual([]);
    expect(ws.symbolAt('main.aria', at(SOURCE, 'Cancel.check', 0, 8))!.symbol).toMatchObject({ kind: 'builtin-operation', name: 'check' });
    expect(ws.symbolAt('main.aria', at(SOURCE, 'with Console', 0, 6))!.symbol).toMatchObject({ kind: 'handler', name: 'Console' });
  });

  test('an enum: variants are declared constructors, a bare pattern naming one refers to it, the enum name is a type', async () => {
    const text = [
      'enum Light { Red, Amber(seconds: Int), Green }',
      'fn next(l: Light) -> {} Light = match l',
      '  case Red => Green',
      '  case Amber(s) => Red',
      '  case other => Amber(3)',
      'end',
      '',
    ].join('\n');
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    const red = ws.symbolAt('a.aria', at(text, 'Red =>'))!;
    expect(red.symbol).toMatchObject({ kind: 'variant', name: 'Red', container: 'Light', detail: 'Light.Red' });
    expect(ws.definition('a.aria', at(text, 'Red =>'))[0]!.span.start).toBe(at(text, 'Red,'));
    expect(ws.references('a.aria', at(text, 'Red,')).map(r => r.span.start)).toEqual([at(text, 'Red,'), at(text, 'Red =>'), at(text, 'Red\n')]);
    expect(ws.symbolAt('a.aria', at(text, 'Amber(3)'))!.symbol).toMatchObject({ kind: 'variant', detail: 'Light.Amber(seconds: Int)' });
    expect(ws.symbolAt('a.aria', at(text, 'other =>'))!.symbol).toMatchObject({ kind: 'local', name: 'other' });
    expect(ws.definition('a.aria', at(text, 'Light)'))[0]!.span.start).toBe(at(text, 'Light {'));
    expect(ws.documentSymbols('a.aria').map(s => [s.name, s.kind, s.children.map(c => c.name)])).toEqual([
      ['Light', 'enum', ['Red', 'Amber', 'Green']], ['next', 'function', []],
    ]);
  });

  test('types in annotations refer to their structs', async () => {
    const text = 'struct Cell(value: Int)\nfn get(c: Cell) -> {} Int = c.value\nfn all(cs: List[Cell]) = cs\n';
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.definition('a.aria', at(text, 'Cell)'))[0]!.span.start).toBe(at(text, 'Cell('));
    expect(ws.references('a.aria', at(text, 'Cell(')).length).toBe(3);
  });

  test('definition and references across files', async () => {
    const lib = 'fn get(url) = url\n';
    const main = 'import lib.http\nx = http.get("a")\ny = http.get("b")\n';
    const ws = await memoryWorkspace({ 'lib/http.aria': lib, 'main.aria': main });
    const [def] = ws.definition('main.aria', at(main, 'get'));
    expect(def).toEqual({ path: ws.path('lib/http.aria'), span: { start: 3, end: 6 } });
    const refs = ws.references('lib/http.aria', 4);
    expect(refs.map(r => r.path)).toEqual([ws.path('lib/http.aria'), ws.path('main.aria'), ws.path('main.aria')]);
    expect(ws.symbolAt('main.aria', at(main, 'http.get'))!.symbol).toMatchObject({ kind: 'module', name: 'http' });
  });

  test('scopeAt: locals before the offset, parameters, items, imports, built-ins; no program variables inside functions', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const inHelper = ws.scopeAt('main.aria', at(SOURCE, 'sleep(2.ms)'));
    const names = inHelper.map(e => e.name);
    expect(names).toEqual(expect.arrayContaining(['x', 'helper', 'fetch_a', 'Log', 'Console', 'print', 'Async', 'Ok']));
    expect(names).not.toContain('result');
    expect(names.indexOf('x')).toBeLessThan(names.indexOf('helper'));
    expect(inHelper.find(e => e.name === 'x')!.kind).toBe('parameter');
    const atTop = ws.scopeAt('main.aria', at(SOURCE, 'print(result)')).map(e => e.name);
    expect(atTop).toContain('result');
    const beforeAssignment = ws.scopeAt('main.aria', at(SOURCE, 'with Console')).map(e => e.name);
    expect(beforeAssignment).not.toContain('result');
  });

  test('membersOf: operations, built-in handlers, module items', async () => {
    const ws = await memoryWorkspace({ 'lib/m.aria': 'fn f() = 1\nstruct P(a: Int)\n', 'main.aria': `import lib.m\n${SOURCE}` });
    expect(ws.membersOf('main.aria', 'Log').map(m => m.name)).toEqual(['log']);
    expect(ws.membersOf('main.aria', 'Async').map(m => m.name)).toEqual(expect.arrayContaining(['default', 'scope', 'configure', 'wasm', 'single_threaded']));
    expect(ws.membersOf('main.aria', 'Cancel').map(m => m.name)).toEqual(expect.arrayContaining(['timeout', 'check', 'token']));
    expect(ws.membersOf('main.aria', 'm').map(m => m.name)).toEqual(['f', 'P']);
    expect(ws.membersOf('main.aria', 'CPU').map(m => m.name)).toEqual(['count']);
  });

  test('symbolInfo describes built-ins by id', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    expect(ws.symbolInfo('builtin:handler:Cancel.timeout')!.detail).toContain('discharges Cancel');
    expect(ws.symbolInfo('builtin:fn:spawn_blocking')!.doc).toContain('Blocking');
    expect(ws.symbolInfo('builtin:fn:nope')).toBeUndefined();
    expect(ws.symbolInfo('builtin:effect:Runtime')!.kind).toBe('builtin-handler');
    expect(ws.symbolInfo('builtin:effect:Nope')).toBeUndefined();
  });
});

suite('handlers', () => {
  test('handlersFor: the with block that discharges an operation, through the callers, and the ambient runtime', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const inHelper = ws.handlersFor('main.aria', at(SOURCE, 'Log.log'));
    expect(inHelper).toHaveLength(1);
    expect(inHelper[0]).toMatchObject({ label: 'Console', effects: ['Log'], ambient: false });
    expect(slice(SOURCE, inHelper[0]!.handlerSpan)).toBe('Console');
    expect(inHelper[0]!.declaration).toEqual({ path: ws.path('main.aria'), span: { start: at(SOURCE, 'Console for'), end: at(SOURCE, 'Console for') + 7 } });
    const sleep = ws.handlersFor('main.aria', at(SOURCE, 'sleep(2'));
    expect(sleep).toEqual([expect.objectContaining({ ambient: true, effects: ['Async'] })]);
  });

  test('dischargedBy: the calls inside a with whose effects it discharges', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const calls = ws.dischargedBy('main.aria', at(SOURCE, 'with Console'));
    expect(calls.map(c => [slice(SOURCE, c.span), c.effects])).toEqual([['helper(1)', ['Log']]]);
  });

  test('dischargedBy: a call of a closure held in a struct, which the effect graph does not see', async () => {
    const text = [
      'effect Log {', '  fn log(msg: String) -> Unit', '}', 'handler Console for Log {', '  fn log(msg) = print(msg)', '}',
      'struct Job(name: String, run: () -> {Log} Unit)', 'fn serve(job: Job) -> {IO} Unit', '  with Console', '    job.run()', '    print(job.name)', '  end', 'end', '',
    ].join('\n');
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    expect(ws.dischargedBy('a.aria', at(text, 'with Console')).map(c => [slice(text, c.span), c.effects])).toEqual([['job.run()', ['Log']]]);
    // And from the call, the handler that serves it.
    expect(ws.handlersFor('a.aria', at(text, 'job.run()') + 5).map(h => [h.label, h.effects, h.declaration && slice(text, h.declaration.span)]))
      .toEqual([['Console', ['Log'], 'Console']]);
  });

  test('a lambda passed to a polymorphic built-in is discharged by the with around the call', async () => {
    const text = 'effect E {\n  fn op() -> Unit\n}\nhandler H for E {\n  fn op() = ()\n}\nwith H\n  each([1], |x| E.op())\nend\n';
    const ws = await memoryWorkspace({ 'a.aria': text });
    expect(ws.diagnostics('a.aria')).toEqual([]);
    const calls = ws.dischargedBy('a.aria', at(text, 'with H'));
    expect(calls.map(c => slice(text, c.span))).toEqual(['each([1], |x| E.op())', 'E.op()']);
    // From the operation inside the lambda, out through the `each` that calls it, to the `with`.
    expect(ws.handlersFor('a.aria', at(text, 'E.op()')).map(h => [h.label, h.effects])).toEqual([['H', ['E']]]);
  });
});

suite('outlines and call hierarchy', () => {
  test('documentSymbols and workspaceSymbols', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE, 'other.aria': 'fn fetch_more() = 1\n' });
    const outline = ws.documentSymbols('main.aria');
    expect(outline.map(s => [s.name, s.kind])).toEqual([['Log', 'effect'], ['Console', 'handler'], ['fetch_a', 'function'], ['fetch_all', 'function'], ['helper', 'function']]);
    expect(outline[0]!.children.map(c => c.name)).toEqual(['log']);
    expect(ws.workspaceSymbols('ftch').map(s => s.name)).toEqual(['fetch_a', 'fetch_all', 'fetch_more']);
    expect(ws.workspaceSymbols('log').map(s => [s.name, s.container])).toEqual([['Log', undefined], ['log', 'Log'], ['log', 'Console']]);
  });

  test('incoming and outgoing calls', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    const item = ws.callHierarchyItem('main.aria', at(SOURCE, 'fetch_a() ->'))!;
    expect(item).toMatchObject({ name: 'fetch_a', kind: 'function' });
    expect(ws.incomingCalls(item).map(c => [c.item.name, c.spans.map(s => slice(SOURCE, s))])).toEqual([['fetch_all', ['fetch_a()']]]);
    const all = ws.callHierarchyItem('main.aria', at(SOURCE, 'fetch_all'))!;
    expect(ws.outgoingCalls(all).map(c => c.item.name)).toEqual(['fetch_a']);
    const helper = ws.callHierarchyItem('main.aria', at(SOURCE, 'helper(x)'))!;
    expect(ws.incomingCalls(helper).map(c => c.item.name)).toEqual(['(top level)']);
  });

  test('calls across files, in lambdas, spawns and local functions, each under the function they are in', async () => {
    const lib = 'fn step(n: Int) -> Int = n + 1\n';
    const app = [
      'import lib',
      'fn run(xs: List[Int]) -> {Async} Int',
      '  ys = map(xs, |x| lib.step(x))',
      '  t = spawn lib.step(2)',
      '  fn inner(k: Int) -> Int = lib.step(k)',
      '  inner(sum(ys)) + t.await',
      'end',
      'print(lib.step(0))',
      '',
    ].join('\n');
    const ws = await memoryWorkspace({ 'lib.aria': lib, 'app.aria': app });
    const step = ws.callHierarchyItem('lib.aria', 4)!;
    expect(step).toMatchObject({ name: 'step', kind: 'function', id: `${ws.path('lib.aria')}#@3` });
    const incoming = ws.incomingCalls(step).map(c => [c.item.name, c.spans.map(s => slice(app, s))]);
    expect(incoming).toEqual([
      ['run', ['lib.step(x)', 'lib.step(2)']],
      ['inner', ['lib.step(k)']],
      ['(top level)', ['lib.step(0)']],
    ]);
    const run = ws.callHierarchyItem('app.aria', at(app, 'run('))!;
    expect(ws.outgoingCalls(run).map(c => [c.item.name, c.spans.length])).toEqual([['step', 2], ['inner', 1]]);
  });
});

suite('cancellation', () => {
  test('a cancelled token gets an empty answer; the next call does the work', async () => {
    const ws = await memoryWorkspace({ 'main.aria': SOURCE });
    expect(ws.diagnostics('main.aria', { isCancellationRequested: true })).toEqual([]);
    expect(ws.diagnostics('main.aria').map(d => d.code)).toEqual(['E0202']);
  });
});
