// End-to-end over stdio: the editor features built on the static types: inlay hints for inferred types,
// completion after `.` by the receiver's type, signature help with instantiated types, Go to Type Definition,
// and the quick fix that writes an inferred annotation.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CompletionItemKind, type CodeAction, type CompletionItem, type CompletionList, type Hover, type InlayHint, type Location, type Position, type Range, type SignatureHelp, type TextEdit } from 'vscode-languageserver-protocol';
import { LspClient, REPO, fileUri, positionOf } from './lsp-client.js';

const uri = fileUri('/tmp/aria-type-features/jobs.aria');
const text = [
  'struct Job(name: String, run: () -> {IO} Int)',
  'enum Shape { Circle(r: Int), Square(side: Int) }',
  '',
  'fn twice(x) = x * 2',
  '',
  'fn report(jobs)',
  '  for j in jobs',
  '    print(j.name)',
  '  end',
  '  jobs.len()',
  'end',
  '',
  'fn area(s: Shape) -> Int',
  '  match s',
  '  case Circle(r) => 3 * r * r',
  '  case Square(side) => side * side',
  '  end',
  'end',
  '',
  'fn first(xs) = xs[0]',
  '',
  'fn work() -> {Async} Int',
  '  sleep(10.millis)',
  '  42',
  'end',
  '',
  'fn main() -> {Async, IO} Unit',
  '  jobs = [Job("a", || 1)]',
  '  n = 3',
  '  label = "x"',
  '  j = Job("b", || 2)',
  '  c = Circle(3)',
  '  total = twice(jobs[0].run())',
  '  t = spawn work()',
  '  r = report(jobs)',
  '  names = jobs.map(|job| job.name)',
  '  print(t.await + area(c))',
  'end',
  '',
].join('\n');

let client: LspClient;
beforeAll(async () => {
  // A workspace of its own: the examples' structs (several with a field `name`) stay out of it.
  mkdirSync('/tmp/aria-type-features', { recursive: true });
  client = await LspClient.start({ root: '/tmp/aria-type-features' });
  await client.open(uri, text);
  await client.waitForDiagnostics(uri);
});
afterAll(async () => {
  await client?.stop();
});

const whole = { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } };

/** Applies non-overlapping edits to `source`. */
function apply(source: string, edits: readonly TextEdit[]): string {
  const offset = (p: Position) => {
    const lines = source.split('\n');
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i]!.length + 1;
    return o + p.character;
  };
  let out = source;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}

async function configure(inlayHints: Record<string, boolean>): Promise<void> {
  client.settings = { inlayHints };
  // The server pulls the settings (workspace/configuration) when told they changed: wait for that pull.
  const pulled = new Promise<void>(done => {
    client.connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => {
      done();
      return params.items.map(item => (item.section === 'aria' ? client.settings : null));
    });
  });
  await client.notify('workspace/didChangeConfiguration', { settings: { aria: client.settings } });
  await pulled;
  // One more round trip, so that the answer has reached the server before the next request.
  await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
}

async function hints(): Promise<InlayHint[]> {
  return client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: whole });
}

const at = (h: InlayHint) => `${h.position.line}:${h.position.character} ${String(h.label)}`;

describe('inlay hints for inferred types', () => {
  test('bindings, untyped parameters and omitted return types, row and type in one hint', async () => {
    const all = (await hints()).map(at);
    expect(all).toEqual([
      `3:${'fn twice(x'.length} : Int`,
      `3:${'fn twice(x)'.length} -> {} Int`,
      `5:${'fn report(jobs'.length} : List[Job]`,
      `5:${'fn report(jobs)'.length} -> {IO} Int`,
      `12:${'fn area(s: Shape) -> '.length} {}`,
      `19:${'fn first(xs'.length} : List[T]`,
      `19:${'fn first(xs)'.length} -> {} T`,
      `27:${'  jobs'.length} : List[Job]`,
      // `n = 3`, `label = "x"` and `j = Job(...)` say their types already; `c = Circle(3)` is a `Shape`.
      `31:${'  c'.length} : Shape`,
      `32:${'  total'.length} : Int`,
      `33:${'  t'.length} : Task[Int]`,
      `34:${'  r'.length} : Int`,
      `35:${'  names'.length} : List[String]`,
    ]);
  });

  test('parameter and return hints insert what they show; a made-up type variable is not insertable', async () => {
    const all = await hints();
    const twice = all.filter(h => h.position.line === 3);
    expect(apply(text, twice.flatMap(h => h.textEdits ?? [])).split('\n')[3]).toBe('fn twice(x: Int) -> {} Int = x * 2');
    const report = all.filter(h => h.position.line === 5);
    expect(apply(text, report.flatMap(h => h.textEdits ?? [])).split('\n')[5]).toBe('fn report(jobs: List[Job]) -> {IO} Int');
    expect(all.filter(h => h.position.line === 19).every(h => h.textEdits === undefined)).toBe(true);
    // A binding cannot carry a type in Aria: its hint only shows.
    expect(all.find(h => h.position.line === 27)!.textEdits).toBeUndefined();
  });

  test('each kind follows its setting; the return hint drops its row when rows are off', async () => {
    try {
      await configure({ bindingTypes: false, parameterTypes: false, returnTypes: true, inferredRows: false });
      expect((await hints()).map(at)).toEqual([`3:${'fn twice(x)'.length} -> Int`, `5:${'fn report(jobs)'.length} -> Int`, `19:${'fn first(xs)'.length} -> T`]);
      await configure({ bindingTypes: false, parameterTypes: false, returnTypes: false, inferredRows: true });
      expect((await hints()).map(h => String(h.label))).toEqual(['-> {}', '-> {IO}', '{}', '-> {}']);
      await configure({ bindingTypes: true, parameterTypes: false, returnTypes: false, inferredRows: false });
      expect((await hints()).every(h => h.position.line >= 27)).toBe(true);
      await configure({ bindingTypes: false, parameterTypes: true, returnTypes: false, inferredRows: false });
      expect((await hints()).map(h => String(h.label))).toEqual([': Int', ': List[Job]', ': List[T]']);
    } finally {
      await configure({});
    }
  });

  test('the settings are contributed by the extension', () => {
    const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown }> } } };
    for (const key of ['bindingTypes', 'parameterTypes', 'returnTypes', 'inferredRows']) {
      expect(pkg.contributes.configuration.properties[`aria.inlayHints.${key}`]?.default).toBe(true);
    }
  });
});

/** Opens a copy of the program with `line` typed before the last line of `main`; the position is at the end of `line`. */
let scratch = 0;
async function typed(line: string): Promise<{ uri: string; position: Position }> {
  const u = fileUri(`/tmp/aria-type-features/scratch-${scratch++}.aria`);
  const lines = text.split('\n');
  const at = lines.indexOf('  print(t.await + area(c))');
  lines.splice(at, 0, line);
  await client.open(u, lines.join('\n'));
  return { uri: u, position: { line: at, character: line.length } };
}

async function complete(line: string): Promise<CompletionItem[]> {
  const { uri: u, position } = await typed(line);
  const list = await client.request<CompletionList | CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position });
  return Array.isArray(list) ? list : list.items;
}

describe('completion after `.` by the receiver type', () => {
  test('a struct value offers its fields with their types, and no task operations', async () => {
    const items = await complete('  j.');
    expect(items.filter(i => i.kind === CompletionItemKind.Field).map(i => [i.label, i.detail])).toEqual([['name', 'String'], ['run', '() -> {IO} Int']]);
    // What takes any value is offered too; nothing that takes a list, an Int or a task.
    expect(items.map(i => i.label).sort()).toEqual(['assert_eq', 'name', 'print', 'run', 'str']);
  });

  test('the fields of an indexed element, while the member is half typed', async () => {
    const items = await complete('  jobs[0].na');
    expect(items.filter(i => i.kind === CompletionItemKind.Field).map(i => i.label)).toEqual(['name', 'run']);
  });

  test('a task offers `await` with the type it gives', async () => {
    const items = await complete('  t.');
    expect(items.map(i => [i.label, i.detail])).toContainEqual(['await', 'Int']);
    expect(items.some(i => i.label === 'name' || i.label === 'map')).toBe(false);
  });

  test('a list offers the functions whose first parameter is a list, with snippets for the rest', async () => {
    const items = await complete('  jobs.');
    const labels = items.map(i => i.label);
    expect(labels).toEqual(expect.arrayContaining(['report', 'map', 'filter', 'len', 'push']));
    // twice takes an Int, area a Shape, sleep a Duration: they do not fit; a list is no task.
    for (const no of ['twice', 'area', 'sleep', 'await', 'name']) expect(labels).not.toContain(no);
    const map = items.find(i => i.label === 'map')!;
    expect(map.detail).toBe('(List[T], (T) -> {e} U) -> {e} List[U]');
    expect(map.insertText).toBe('map(${1:f})$0');
    expect(items.find(i => i.label === 'report')!.insertText).toBe('report()$0');
  });

  test('an Int offers what takes an Int', async () => {
    const labels = (await complete('  n.')).map(i => i.label);
    expect(labels).toEqual(expect.arrayContaining(['twice', 'abs', 'str']));
    expect(labels).not.toContain('report');
    expect(labels).not.toContain('len');
  });

  test('operations after `Effect.` and duration units after a number are kept', async () => {
    expect((await complete('  Async.')).map(i => i.label)).toContain('default');
    expect((await complete('  sleep(10.')).map(i => i.label)).toContain('millis');
  });
});

describe('Go to Type Definition', () => {
  const go = (position: Position, u = uri) => client.request<Location[] | null>('textDocument/typeDefinition', { textDocument: { uri: u }, position });

  test('is declared in initialize', () => {
    expect(client.initializeResult!.capabilities.typeDefinitionProvider).toBe(true);
  });

  test('a local of a struct type goes to the struct, of an enum type to the enum', async () => {
    expect(await go(positionOf(text, '  j = ', 0, 2))).toEqual([{ uri, range: rangeOfWord('struct Job', 7, 3) }]);
    expect(await go(positionOf(text, '  c = ', 0, 2))).toEqual([{ uri, range: rangeOfWord('enum Shape', 5, 5) }]);
  });

  test('a parameter and a lambda parameter, from their inferred types', async () => {
    expect(await go(positionOf(text, 'area(s', 0, 5))).toEqual([{ uri, range: rangeOfWord('enum Shape', 5, 5) }]);
    expect(await go(positionOf(text, '|job|', 0, 1))).toEqual([{ uri, range: rangeOfWord('struct Job', 7, 3) }]);
  });

  test('a struct declared in an imported file', async () => {
    const lib = fileUri('/tmp/aria-type-features/shapes.aria');
    const libText = 'struct Point(x: Int, y: Int)\n\nfn origin() -> {} Point = Point(0, 0)\n';
    const mainUri = fileUri('/tmp/aria-type-features/uses.aria');
    const mainText = 'import shapes\n\nfn main()\n  p = shapes.origin()\n  print(p.x)\nend\n';
    await client.open(lib, libText);
    await client.open(mainUri, mainText);
    await client.waitForDiagnostics(mainUri);
    expect(await go(positionOf(mainText, 'p.x', 0, 0), mainUri)).toEqual([{ uri: lib, range: { start: { line: 0, character: 7 }, end: { line: 0, character: 12 } } }]);
  });

  test('a value of a built-in type has none', async () => {
    expect(await go(positionOf(text, '  n = ', 0, 2))).toEqual([]);
  });
});

function rangeOfWord(needle: string, delta: number, length: number): Range {
  const start = positionOf(text, needle, 0, delta);
  return { start, end: { line: start.line, character: start.character + length } };
}

describe('signature help with the types at this call', () => {
  const help = async (line: string) => {
    const { uri: u, position } = await typed(line);
    return client.request<SignatureHelp | null>('textDocument/signatureHelp', { textDocument: { uri: u }, position });
  };

  test('a generic built-in called uniformly shows its parameters at this receiver', async () => {
    const h = (await help('  names2 = jobs.map(|q| q.name'))!;
    const sig = h.signatures[0]!;
    expect(sig.label).toBe('map(list: List[Job], f: (Job) -> {} String) -> {} List[String]');
    expect(h.activeParameter).toBe(1);
    const [from, to] = sig.parameters![1]!.label as [number, number];
    expect(sig.label.slice(from, to)).toBe('f: (Job) -> {} String');
    expect((sig.documentation as { value: string }).value).toContain('Declared: `map[T, U](list: List[T], f: (T) -> ');
  });

  test('an inferred function shows the types inferred for its untyped parameters', async () => {
    const h = (await help('  report(jobs'))!;
    expect(h.signatures[0]!.label).toBe('fn report(jobs: List[Job]) -> {IO} Int');
  });

  test('a call the types do not reach keeps the declared signature', async () => {
    const h = (await help('  print(1, 2'))!;
    expect(h.signatures[0]!.label).toBe('print(values...) -> Unit');
  });
});

describe('quick fix: add the inferred annotation', () => {
  const actions = (u: string, range: Range, diagnostics: unknown[] = []) =>
    client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: u }, range, context: { diagnostics } });
  const point = (p: Position): Range => ({ start: p, end: p });

  test('on a function without a return type: the inferred row and type', async () => {
    const found = await actions(uri, point(positionOf(text, 'fn report', 0, 4)));
    const add = found.find(a => a.title.startsWith('Add the inferred return type'))!;
    expect(add.title).toBe('Add the inferred return type `-> {IO} Int` to `report`');
    expect(apply(text, add.edit!.changes![uri]!).split('\n')[5]).toBe('fn report(jobs) -> {IO} Int');
  });

  test('on an untyped parameter: its inferred type', async () => {
    const found = await actions(uri, point(positionOf(text, 'twice(x', 0, 6)));
    const add = found.find(a => a.title === 'Add the inferred type `Int` to `x`')!;
    expect(apply(text, add.edit!.changes![uri]!).split('\n')[3]).toBe('fn twice(x: Int) = x * 2');
  });

  test('not where the type is a made-up variable, nor on a typed function', async () => {
    expect((await actions(uri, point(positionOf(text, 'first(xs', 0, 7)))).map(a => a.title)).toEqual([]);
    expect((await actions(uri, point(positionOf(text, 'fn work', 0, 4)))).map(a => a.title)).toEqual([]);
  });

  test('on E0306: annotate the parameter with each struct that has the field, and the fix checks clean', async () => {
    const u = fileUri('/tmp/aria-type-features/ambiguous.aria');
    const source = 'struct Named(shared: Int)\nstruct Other(shared: String)\n\nfn ambiguous(v) = v.shared\n';
    await client.open(u, source);
    const diagnostics = await client.waitForDiagnostics(u, d => d.diagnostics.some(x => x.code === 'E0306'));
    const e0306 = diagnostics.find(d => d.code === 'E0306')!;
    const found = (await actions(u, e0306.range, [e0306])).filter(a => a.title.startsWith('Annotate'));
    expect(found.map(a => a.title)).toEqual(['Annotate `v` as `Named`', 'Annotate `v` as `Other`']);
    const fixed = apply(source, found[0]!.edit!.changes![u]!);
    expect(fixed.split('\n')[3]).toBe('fn ambiguous(v: Named) = v.shared');
    const version = await client.change(u, [{ text: fixed }]);
    const after = await client.waitForDiagnostics(u, d => d.version === version);
    expect(after.filter(d => d.code === 'E0306')).toEqual([]);
  });
});

describe('hover on an effect', () => {
  test('lists only the handlers of that declaration, not those of a same-named effect in another file', async () => {
    const a = fileUri('/tmp/aria-type-features/audit.aria');
    const b = fileUri('/tmp/aria-type-features/metrics.aria');
    const c = fileUri('/tmp/aria-type-features/uses_audit.aria');
    const aText = 'effect Log {\n  fn log(msg: String) -> Unit\n}\n\nhandler AuditConsole for Log {\n  fn log(msg) = print(msg)\n}\n';
    const bText = 'effect Log {\n  fn log(msg: String) -> Unit\n}\n\nhandler MetricsSink for Log {\n  fn log(msg) = print(msg)\n}\n';
    const cText = 'import audit\n\nhandler AuditFile for Log {\n  fn log(msg) = print("file", msg)\n}\n';
    await client.open(a, aText);
    await client.open(b, bText);
    await client.open(c, cText);
    await client.waitForDiagnostics(c);
    const hoverOf = async (u: string, t: string) => {
      const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: u }, position: positionOf(t, 'effect Log', 0, 8) });
      return (h!.contents as { value: string }).value;
    };
    const audit = await hoverOf(a, aText);
    expect(audit).toContain('Handled by `AuditConsole`, `AuditFile`.');
    expect(audit).not.toContain('MetricsSink');
    const metrics = await hoverOf(b, bText);
    expect(metrics).toContain('Handled by `MetricsSink`.');
  });
});
