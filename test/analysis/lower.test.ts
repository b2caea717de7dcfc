// Lowering tests: the AST of small sources, and syntax errors reported with their ranges.
import { describe, expect, test } from 'vitest';
import { parse } from '../../grammar/parser.js';
import { lowerModule } from '../../analysis/syntax/lower.js';
import type * as A from '../../analysis/syntax/ast.js';

async function lower(text: string): Promise<A.Module> {
  return lowerModule(await parse(text), text, 'test.aria');
}

/** Drops spans so that expectations read as plain structure. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => k !== 'span' && v !== undefined).map(([k, v]) => [k, strip(v)]));
  }
  return value;
}

describe('lowering', () => {
  test('a function with generics, defaults, a row and an expression body', async () => {
    const m = await lower('fn f[T](x: Int, y = 2) -> <Async, IO | e> Unit = g(x, name: y)\n');
    const fn = m.items[0] as A.FnDecl;
    expect(fn.kind).toBe('Fn');
    expect(fn.name.name).toBe('f');
    expect(fn.typeParams.map(t => t.name)).toEqual(['T']);
    expect(fn.params.map(p => p.name.name)).toEqual(['x', 'y']);
    expect(fn.params[1]!.default).toMatchObject({ kind: 'Int', value: 2 });
    expect(fn.effects).toMatchObject({ spelling: 'angle', tail: { name: 'e' } });
    expect(fn.effects!.effects.map(e => e.name)).toEqual(['Async', 'IO']);
    expect(fn.exprBody).toBe(true);
    expect(strip(fn.body.stmts[0])).toEqual({
      kind: 'ExprStmt',
      expr: {
        kind: 'Call', callee: { kind: 'Name', name: 'g' },
        args: [{ value: { kind: 'Name', name: 'x' } }, { name: { name: 'name' }, value: { kind: 'Name', name: 'y' } }],
      },
    });
    expect(m.syntaxErrors).toEqual([]);
  });

  test('the seed scope example: with-binder, scoped spawn, await', async () => {
    const src = 'fn fetch_all() -> {Async} Data\n  with Async.scope |scope|\n    a = scope.spawn fetch_a()\n    Data(a.await)\n  end\nend\n';
    const fn = (await lower(src)).items[0] as A.FnDecl;
    const w = (fn.body.stmts[0] as A.ExprStmt).expr as A.WithExpr;
    expect(w.kind).toBe('With');
    expect(w.binder?.name).toBe('scope');
    expect(strip(w.body.stmts[0])).toEqual({
      kind: 'Assign', op: '=', target: { kind: 'Name', name: 'a' },
      value: { kind: 'Spawn', scope: { kind: 'Name', name: 'scope' }, body: { kind: 'Call', callee: { kind: 'Name', name: 'fetch_a' }, args: [] } },
    });
  });

  test('strings: escapes and interpolation pieces', async () => {
    const m = await lower('print("a\\n#{x + 1} \\u{41}# b")\n');
    const call = (m.statements[0] as A.ExprStmt).expr as A.CallExpr;
    const s = call.args[0]!.value as A.StringExpr;
    expect(s.parts.length).toBe(3);
    expect(s.parts[0]).toBe('a\n');
    expect((s.parts[1] as A.Expr).kind).toBe('Binary');
    expect(s.parts[2]).toBe(' A# b');
  });

  test('if/elif/else, match with guards and patterns, loops', async () => {
    const src = [
      'if a', '  1', 'elif b', '  2', 'else', '  3', 'end',
      'match v', '  case Point(x, _) if x > 0 => x', '  case -1 => 0', '  case [a, b] => a', '  case _ => 9', 'end',
      'for i in 0..3', '  continue', 'end', 'while true', '  break', 'end', 'loop', 'end', '',
    ].join('\n');
    const m = await lower(src);
    expect(m.syntaxErrors).toEqual([]);
    expect(m.statements.map(s => s.kind === 'ExprStmt' ? s.expr.kind : s.kind)).toEqual(['If', 'Match', 'For', 'While', 'Loop']);
    const ifx = (m.statements[0] as A.ExprStmt).expr as A.IfExpr;
    expect(ifx.branches.length).toBe(2);
    expect(ifx.otherwise?.stmts.length).toBe(1);
    const mx = (m.statements[1] as A.ExprStmt).expr as A.MatchExpr;
    expect(mx.arms.map(a => a.pattern.kind)).toEqual(['CtorPat', 'LiteralPat', 'ListPat', 'WildcardPat']);
    expect(mx.arms[0]!.guard?.kind).toBe('Binary');
    expect(mx.arms[1]!.pattern).toMatchObject({ value: -1 });
  });

  test('effects, handlers with parameters, structs, imports, annotations, docs', async () => {
    const src = [
      'import net.http',
      '# Logs things.',
      'effect Log {', '  fn log(msg: String) -> Unit', '}',
      'handler Console(prefix: String = "") for Log {', '  fn log(m) = print(m)', '}',
      'struct P(x: Int, y: Int)',
      '@wasm_target', 'with Async.wasm', '  app()', 'end', '',
    ].join('\n');
    const m = await lower(src);
    expect(m.syntaxErrors).toEqual([]);
    expect(m.items.map(i => i.kind)).toEqual(['Import', 'Effect', 'Handler', 'Struct']);
    expect((m.items[0] as A.ImportDecl).path.map(p => p.name)).toEqual(['net', 'http']);
    expect((m.items[1] as A.EffectDecl).doc).toBe('Logs things.');
    expect((m.items[2] as A.HandlerDecl).params?.map(p => p.name.name)).toEqual(['prefix']);
    expect(m.statements[0]!.annotations?.map(a => a.name.name)).toEqual(['wasm_target']);
  });

  test('enums: type parameters, variants with and without fields, docs of the enum and of variants on lines of their own', async () => {
    const src = [
      '# Maybe a value.', '@frozen', 'enum Maybe[T] { Just(value: T), Nothing }',
      'enum Shape {', '  # Round.', '  Circle(radius: Int = 1)', '  Rect(w, h); Empty()', '}', '',
    ].join('\n');
    const m = await lower(src);
    expect(m.syntaxErrors).toEqual([]);
    const [maybe, shape] = m.items as A.EnumDecl[];
    expect(strip(maybe)).toEqual({
      kind: 'Enum', name: { name: 'Maybe' }, typeParams: [{ name: 'T' }],
      variants: [
        { name: { name: 'Just' }, fields: [{ name: { name: 'value' }, type: { kind: 'TypeName', name: 'T' } }] },
        { name: { name: 'Nothing' }, fields: [] },
      ],
      annotations: [{ name: { name: 'frozen' }, args: [] }], doc: 'Maybe a value.',
    });
    expect(shape!.doc).toBeUndefined();
    expect(shape!.variants.map(v => [v.name.name, v.fields.map(f => f.name.name), v.doc])).toEqual([
      ['Circle', ['radius'], 'Round.'], ['Rect', ['w', 'h'], undefined], ['Empty', [], undefined],
    ]);
    expect(shape!.variants[0]!.fields[0]!.default).toMatchObject({ kind: 'Int', value: 1 });
    expect(src.slice(shape!.variants[1]!.span.start, shape!.variants[1]!.span.end)).toBe('Rect(w, h)');
  });

  test('lambdas: expression and block forms', async () => {
    const m = await lower('each(xs, |x| print(x))\neach(xs, |x|\n  y = x\n  print(y)\nend)\n');
    const l1 = ((m.statements[0] as A.ExprStmt).expr as A.CallExpr).args[1]!.value as A.LambdaExpr;
    const l2 = ((m.statements[1] as A.ExprStmt).expr as A.CallExpr).args[1]!.value as A.LambdaExpr;
    expect(l1.body.stmts.length).toBe(1);
    expect(l2.body.stmts.map(s => s.kind)).toEqual(['Assign', 'ExprStmt']);
  });

  test.each([
    ['fn f()\n  x = 1\n', /expected `end` to close this `fn`/],
    ['fn f()\n  if x\n    y()\nend\n', /expected `end`/],
    ['x = foo(\n', /./],
    ['fn f() -> {Async, IO Unit\nend\n', /./],
    ['fn g()\n  effect E {\n  }\nend\n', /effect declaration may stand only at the top level/],
    ['fn g()\n  enum E { A }\nend\n', /an enum declaration may stand only at the top level/],
    ['enum E {\n  A(x: Int)\n  B\n', /expected `\}` to close this `enum`/],
  ])('syntax errors are reported, never thrown: %j', async (src, message) => {
    const m = await lower(src);
    expect(m.syntaxErrors.length).toBeGreaterThan(0);
    expect(m.syntaxErrors.map(e => e.message).join('\n')).toMatch(message);
    for (const e of m.syntaxErrors) expect(e.span.end).toBeLessThanOrEqual(src.length);
  });
});

describe('recovery from broken input', () => {
  test('an enum whose closing brace is missing keeps its name and the variants typed so far', async () => {
    const m = await lower('fn a() = 1\n# Shapes.\nenum Shape[T] {\n  Circle(radius: Int)\n  Empty\n  Rect(width: Int,\n');
    expect(m.items.map(i => i.kind)).toEqual(['Fn', 'Enum']);
    const e = m.items[1] as A.EnumDecl;
    expect(e.name.name).toBe('Shape');
    expect(e.typeParams.map(t => t.name)).toEqual(['T']);
    // The half-typed `Rect(width: Int,` is no variant yet.
    expect(e.variants.map(v => [v.name.name, v.fields.map(f => f.name.name)])).toEqual([['Circle', ['radius']], ['Empty', []]]);
    expect(e.doc).toBe('Shapes.');
    expect(m.syntaxErrors.map(x => x.message)).toEqual(['expected `}` to close this `enum`']);
  });

  test('a function whose end is missing at the end of the file keeps its name, row and statements', async () => {
    const m = await lower('fn a()\n  print(1)\nend\nfn f(a, b) -> {IO} Unit\n  x = 1\n  if x\n    print(x)\n  end\n');
    expect(m.items.map(i => i.kind === 'Fn' ? i.name.name : i.kind)).toEqual(['a', 'f']);
    const f = m.items[1] as A.FnDecl;
    expect(f.params.map(p => p.name.name)).toEqual(['a', 'b']);
    expect(f.effects?.effects.map(e => e.name)).toEqual(['IO']);
    expect(f.body.stmts.map(s => s.kind === 'ExprStmt' ? s.expr.kind : s.kind)).toEqual(['Assign', 'If']);
    expect(m.syntaxErrors.map(e => e.message)).toEqual(['expected `end` to close this `fn`']);
  });

  test('a local function is a statement, not a misplaced item', async () => {
    const m = await lower('fn outer()\n  fn inner(x) = x + 1\n  inner(1)\nend\n');
    expect(m.syntaxErrors).toEqual([]);
    const outer = m.items[0] as A.FnDecl;
    expect(outer.body.stmts.map(s => s.kind)).toEqual(['LocalFn', 'ExprStmt']);
  });
});
