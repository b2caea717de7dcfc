// Every package a file of the repository imports (sources, tests, benchmarks, scripts) is declared in package.json.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './source-files.js';

/** The folders and files not read: installed or generated code. */
const SKIPPED = new Set(['node_modules', 'dist', 'grammar/src']);

/** Every script of the repository (TypeScript and JavaScript, no declaration files), relative to `root`. */
function scripts(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = dir ? `${dir}/${name}` : name;
      if (name.startsWith('.') || SKIPPED.has(rel)) continue;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (/\.(c|m)?(t|j)s$/.test(name) && !/\.d\.(c|m)?ts$/.test(name)) out.push(rel);
    }
  };
  walk('');
  return out;
}

/** The packages `text` imports (`import`, `export … from`, `import()`, `require()`), by name. */
export function packagesOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) spec = node.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) spec = node.moduleReference.expression;
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
      (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) spec = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) spec = node.argument.literal as ts.Expression;
    if (spec && ts.isStringLiteralLike(spec) && !spec.text.startsWith('.') && !spec.text.startsWith('/')) {
      const parts = spec.text.split('/');
      out.push(spec.text.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** What imports a package that is neither declared nor built into Node (`vscode` is the editor's, in client/ only). */
export function undeclared(imports: readonly { file: string; pkg: string }[], declared: ReadonlySet<string>): string[] {
  const builtin = new Set(builtinModules);
  return imports
    .filter(({ file, pkg }) => !pkg.startsWith('node:') && !builtin.has(pkg) && !declared.has(pkg) && !(pkg === 'vscode' && file.startsWith('client/')))
    .map(({ file, pkg }) => `${file} imports ${pkg}, which package.json does not declare`);
}

describe('declared dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  const files = scripts();
  const imports = files.flatMap(file => packagesOf(file, readFileSync(join(ROOT, file), 'utf8')).map(p => ({ file, pkg: p })));

  it('reads the scripts of every folder, tests and benchmarks included', () => {
    const folders = new Set(files.map(f => f.split('/')[0]));
    for (const folder of ['analysis', 'bench', 'cli', 'client', 'debug', 'grammar', 'runtime', 'scripts', 'server', 'test']) {
      expect(folders, folder).toContain(folder);
    }
    // The packages the tests talk to the server with are among those read.
    expect(imports.map(i => i.pkg)).toEqual(expect.arrayContaining(['vscode-jsonrpc', 'vscode-languageserver-protocol', 'web-tree-sitter']));
  });

  it('every imported package is declared in package.json', () => {
    expect(undeclared(imports, declared)).toEqual([]);
  });

  it('catches an undeclared package', () => {
    const text = [
      "import a from 'left-pad';",
      "import { b } from '@scope/pkg/deep.js';",
      "export * from 'exported';",
      "const c = await import('dynamic');",
      "const d = require('required');",
      "type E = import('typed').E;",
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import { x } from './local.js';",
    ].join('\n');
    const found = packagesOf('test/x.ts', text).map(p => ({ file: 'test/x.ts', pkg: p }));
    expect(undeclared(found, new Set())).toHaveLength(6);
    expect(undeclared([{ file: 'client/x.ts', pkg: 'vscode' }], new Set())).toEqual([]);
    expect(undeclared([{ file: 'server/x.ts', pkg: 'vscode' }], new Set())).toHaveLength(1);
  });
});
