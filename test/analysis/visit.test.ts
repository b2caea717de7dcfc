// The one AST visitor: it reaches every kind of node, walks any depth without recursion, and `bodyBindings` is the
// rule of docs/language.md ("Scopes") for which names a body binds.
import { beforeAll, describe, expect, test } from 'vitest';
import type { Parser } from 'web-tree-sitter';
import type * as A from '../../analysis/syntax/ast.js';
import { lowerModule } from '../../analysis/syntax/lower.js';
import { bodyBindings, walk, type Node } from '../../analysis/syntax/visit.js';
import { createParser } from '../../grammar/parser.js';

let parser: Parser;
beforeAll(async () => {
  parser = await createParser();
});

function lower(text: string): A.Module {
  const tree = parser.parse(text)!;
  try {
    return lowerModule(tree, text, '/t/main.aria');
  } finally {
    tree.delete();
  }
}

function bodyOf(text: string): readonly A.Stmt[] {
  const fn = lower(text).items.find((i): i is A.FnDecl => i.kind === 'Fn')!;
  return fn.body.stmts;
}

const EVERYTHING = `
enum Light { Red, Green }
fn f(xs: List[Int], o: Option[Int]) -> {Async, IO} Unit
  @test(name = "x")
  a = [1, 2.5, "s #{xs}", true, ()]
  a[0] = -xs[0] + 1
  while a.len() > 0
    break
  end
  loop
    continue
  end
  for x in xs
    return
  end
  fn local(k = 1) = k
  g = |y| y
  t = spawn local(2)
  u = t.await
  v = if true
    1
  elif false
    2
  else
    3
  end
  match o
    case Some(1) => 1
    case Some(n) => n
    case [p, _] => p
    case Red => 0
  end
  with Console |c|
    print(c)
  end
end
`;

describe('walk', () => {
  test('reaches every kind of statement, expression and pattern', () => {
    const seen = new Set<string>();
    // What the lowering makes of source it cannot read (no short program is sure to give one).
    const broken: A.Stmt = { kind: 'ExprStmt', span: { start: 0, end: 0 }, expr: { kind: 'Error', span: { start: 0, end: 0 } } };
    walk([...bodyOf(EVERYTHING), broken], n => {
      seen.add(n.kind);
    });
    const kinds = [
      'ExprStmt', 'Assign', 'Return', 'Break', 'Continue', 'While', 'Loop', 'For', 'LocalFn',
      'Name', 'Int', 'Float', 'String', 'Bool', 'Unit', 'List', 'Call', 'Member', 'Index', 'Await', 'Spawn', 'Unary',
      'Binary', 'Lambda', 'If', 'Match', 'With', 'Error',
      'WildcardPat', 'BindPat', 'LiteralPat', 'CtorPat', 'ListPat',
    ];
    expect(kinds.filter(k => !seen.has(k))).toEqual([]);
  });

  test('visits in source order and skips the children of a node when told', () => {
    const order: string[] = [];
    walk(bodyOf('fn f()\n  a = 1\n  g = || b\n  c\nend\n'), n => {
      if (n.kind === 'Name') order.push(n.name);
      return n.kind !== 'Lambda';
    });
    expect(order).toEqual(['a', 'g', 'c']);
  });

  test('any depth, without recursion', () => {
    const span = { start: 0, end: 0 };
    let e: A.Expr = { kind: 'Name', name: 'x', span };
    for (let i = 0; i < 200_000; i++) e = { kind: 'Unary', op: '-', operand: e, span };
    let count = 0;
    walk([e as Node], () => {
      count++;
    });
    expect(count).toBe(200_001);
  });
});

describe('bodyBindings', () => {
  const names = (body: string, variants: readonly string[] = []) =>
    bodyBindings(bodyOf(`fn f(p)\n${body}\nend\n`), n => variants.includes(n)).map(b => `${b.ident.name}:${b.site}`);

  test('assignments, for, patterns, with binders and local functions, at any depth, first binding only', () => {
    expect(names([
      '  print(match p',
      '    case Some(y) => y',
      '    case [h, _] => h',
      '    case None => 0',
      '  end)',
      '  a = 1',
      '  a = 2',
      '  b += 1',
      '  for i in [1]',
      '    c = if true',
      '      d = 1',
      '    end',
      '  end',
      '  with Cancel.timeout(1.ms) |s|',
      '    fn inner() = s',
      '  end',
    ].join('\n'), ['None'])).toEqual(['y:pattern', 'h:pattern', 'a:assign', 'i:for', 'c:assign', 'd:assign', 's:with', 'inner:local-fn']);
  });

  test('lambdas, local functions and spawned closures bind their own; a direct spawned call does not', () => {
    expect(names([
      '  g = |x| (y = x)',
      '  fn h()',
      '    z = 1',
      '  end',
      '  t = spawn match p',
      '    case Some(w) => w',
      '    case None => 0',
      '  end',
      '  u = spawn g(v = 1)',
    ].join('\n'), ['None'])).toEqual(['g:assign', 'h:local-fn', 't:assign', 'u:assign']);
  });
});
