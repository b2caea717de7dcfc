// The import rules of ARCHITECTURE.md, enforced: every import of every source file is read and checked.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT, SOURCE_FOLDERS, sourceFiles } from './source-files.js';

export interface Import {
  /** The importing file, relative to the repository root with `/` separators. */
  readonly from: string;
  /** What the import names: a package (`vscode`, `node:fs`) or a repository file (`runtime/index.ts`). */
  readonly to: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Every import of a file: static, type-only, re-exports, `import()` and `import x = require()`. */
export function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean, node: ts.Node): void => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    out.push({ from: file, to: target(file, spec.text), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const allTypes = clause !== undefined && (clause.isTypeOnly ||
        (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes, node);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly, node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression, true, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** A relative specifier becomes the repository path of the `.ts` file it names; a package stays its name. */
function target(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const path = relative(ROOT, resolve(ROOT, dirname(from), spec)).split('\\').join('/');
  return path.replace(/\.js$/, '.ts');
}

/** The package an import names (`vscode-languageserver/node` → `vscode-languageserver`). */
function packageOf(to: string): string | undefined {
  if (to.includes('/') && SOURCE_FOLDERS.includes(to.split('/')[0]!)) return undefined;
  const parts = to.split('/');
  return to.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const inFolder = (path: string, folder: string): boolean => path.startsWith(`${folder}/`);

/** The rules: each answers a message when an import breaks it. */
export function violations(imports: readonly Import[]): string[] {
  const out: string[] = [];
  for (const imp of imports) {
    const { from, to } = imp;
    const pkg = packageOf(to);
    const where = `${from}:${imp.line} imports ${to}`;
    const vscodeFamily = pkg !== undefined && (pkg === 'vscode' || pkg.startsWith('vscode-') || pkg.startsWith('@vscode/'));
    if (inFolder(from, 'analysis')) {
      if (['runtime', 'server', 'debug', 'client', 'cli'].some((f) => inFolder(to, f)) || vscodeFamily) {
        out.push(`${where}: analysis/ knows nothing of the runtime, the server, the debugger or VS Code`);
      }
    }
    if (inFolder(from, 'runtime')) {
      if (['debug', 'server', 'client', 'cli'].some((f) => inFolder(to, f)) || vscodeFamily) {
        out.push(`${where}: runtime/ knows nothing of the debugger, the server or VS Code`);
      }
    }
    if (pkg === 'vscode-languageserver' && !inFolder(from, 'server')) {
      out.push(`${where}: only server/ imports vscode-languageserver`);
    }
    if (pkg === 'vscode' && !inFolder(from, 'client')) {
      out.push(`${where}: only client/ imports vscode`);
    }
    if (inFolder(from, 'debug') && inFolder(to, 'runtime') && to !== 'runtime/index.ts') {
      out.push(`${where}: debug/ reaches the runtime through runtime/index.ts alone`);
    }
  }
  return out;
}

/** Every import cycle among repository files (type-only imports count: they tie the modules as tightly). */
export function cycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const imp of imports) {
    if (packageOf(imp.to) !== undefined) continue;
    let set = edges.get(imp.from);
    if (!set) edges.set(imp.from, (set = new Set()));
    set.add(imp.to);
  }
  // Tarjan's strongly connected components; each component of more than one file (or a self-import) is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

function allImports(): Import[] {
  return sourceFiles().flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), 'utf8')));
}

describe('import boundaries', () => {
  const imports = allImports();

  it('reads the imports of every source folder', () => {
    const folders = new Set(imports.map((i) => i.from.split('/')[0]));
    expect([...folders].sort()).toEqual([...SOURCE_FOLDERS].sort());
    // The reader sees every form of import (it would otherwise let a forbidden import through unnoticed).
    const forms = importsOf('runtime/x.ts', [
      "import a from '../debug/a.js';",
      "import type { B } from '../debug/b.js';",
      "import { type C } from '../debug/c.js';",
      "export { D } from '../debug/d.js';",
      "export * from '../debug/e.js';",
      "const f = await import('../debug/f.js');",
      "type G = import('../debug/g.js').G;",
      "import '../debug/h.js';",
    ].join('\n'));
    expect(forms.map((i) => [i.to, i.typeOnly])).toEqual([
      ['debug/a.ts', false], ['debug/b.ts', true], ['debug/c.ts', true], ['debug/d.ts', false],
      ['debug/e.ts', false], ['debug/f.ts', false], ['debug/g.ts', true], ['debug/h.ts', false],
    ]);
  });

  it('keeps the rules of ARCHITECTURE.md', () => {
    expect(violations(imports)).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(cycles(imports)).toEqual([]);
  });

  it('catches each forbidden import', () => {
    const bad = (from: string, to: string): Import => ({ from, to, typeOnly: false, line: 1 });
    const cases: Import[] = [
      bad('analysis/workspace.ts', 'runtime/index.ts'),
      bad('analysis/workspace.ts', 'server/server.ts'),
      bad('analysis/workspace.ts', 'debug/session.ts'),
      bad('analysis/workspace.ts', 'vscode-languageserver-textdocument'),
      bad('analysis/workspace.ts', 'vscode-uri'),
      bad('runtime/machine.ts', 'debug/session.ts'),
      bad('runtime/machine.ts', 'server/server.ts'),
      bad('runtime/machine.ts', '@vscode/debugadapter'),
      bad('debug/session.ts', 'vscode-languageserver/node'),
      bad('cli/main.ts', 'vscode-languageserver/node'),
      bad('server/server.ts', 'vscode'),
      bad('debug/session.ts', 'vscode'),
      bad('debug/session.ts', 'runtime/machine.ts'),
    ];
    for (const c of cases) expect(violations([c]), `${c.from} → ${c.to}`).toHaveLength(1);
    expect(violations([bad('debug/session.ts', 'runtime/index.ts'), bad('server/server.ts', 'vscode-languageserver/node'),
      bad('client/extension.ts', 'vscode'), bad('debug/session.ts', '@vscode/debugadapter')])).toEqual([]);
    expect(cycles([bad('runtime/x.ts', 'runtime/y.ts'), bad('runtime/y.ts', 'runtime/z.ts'), bad('runtime/z.ts', 'runtime/x.ts')]))
      .toEqual([['runtime/x.ts', 'runtime/y.ts', 'runtime/z.ts']]);
  });
});
