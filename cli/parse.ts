// `aria parse FILE [--positions]`: the syntax tree, one node a line and indented, and any syntax errors.
import { isAbsolute, resolve } from 'node:path';
import { LineIndex } from '../analysis/line-index.js';
import { lowerModule } from '../analysis/syntax/lower.js';
import { withFlatTree } from '../grammar/flat-tree.js';
import { parse, type Tree } from '../grammar/parser.js';
import { readArgs } from './args.js';
import { usageError, type CliIo } from './io.js';
import { readSource } from './source-file.js';
import { makeStyle } from './style.js';

export const PARSE_USAGE = `usage: aria parse FILE [--positions]

Prints the syntax tree of an Aria file, one named node a line, indented by depth, with field names
(\`name: (identifier)\`); a node nested deeper than 40 levels is indented as at 40 and marked \`[depth N]\`.
Syntax errors go to stderr (exit 1). Files over 8 MB, not UTF-8 text or holding NUL bytes are not read (exit 2).
  --positions   each node's range, line:column-line:column (1-based; the end is just past the node)
`;

/** Nesting levels shown by indentation; a node deeper than this is indented as at this depth and marked with its own. */
export const MAX_INDENT = 40;
/** Characters of output gathered before they are written. */
const CHUNK = 64 * 1024;

/**
 * Writes the tree as indented S-expressions to `write`, in chunks. Reads a flat copy of the tree (one walk, no call
 * into wasm per node) in preorder with an explicit stack, so a deeply nested file cannot exhaust the stack; the
 * indentation is capped at MAX_INDENT levels (`[depth N]` marks deeper nodes), so the output grows with the size of
 * the tree, not with its size times its depth: 50,000 chained `+` made 2.5 billion characters of indentation.
 */
export function printTree(tree: Tree, text: string, lines: LineIndex, positions: boolean, write: (text: string) => void): void {
  const at = (offset: number) => {
    const p = lines.position(offset);
    return `${p.line + 1}:${p.column + 1}`;
  };
  const capped = '  '.repeat(MAX_INDENT);
  withFlatTree(tree, text, flat => {
    let out = '';
    // The subtree ends of the named nodes that enclose the current one: each closes its parenthesis there.
    const open: number[] = [];
    const close = (before: number) => {
      while (open.length && open[open.length - 1]! <= before) {
        open.pop();
        out += ')';
      }
    };
    for (let i = 0; i < flat.count; i++) {
      close(i);
      if (!flat.isNamed(i) && !flat.isMissing(i)) continue;
      if (out.length >= CHUNK) {
        write(out);
        out = '';
      }
      if (i > 0) out += '\n';
      const depth = open.length;
      const field = flat.field[i] ? flat.language.fields[flat.field[i]!] : undefined;
      const type = flat.typeName(flat.symbol[i]!);
      const kind = flat.isMissing(i) ? `MISSING ${type}` : type;
      const range = positions ? ` [${at(flat.start[i]!)}-${at(flat.end[i]!)}]` : '';
      out += `${depth > MAX_INDENT ? `${capped}[depth ${depth}] ` : '  '.repeat(depth)}${field ? `${field}: ` : ''}(${kind}${range}`;
      open.push(flat.subtreeEnd[i]!);
    }
    close(Number.MAX_SAFE_INTEGER);
    write(`${out}\n`);
  });
}

export async function runParse(args: string[], io: CliIo): Promise<number> {
  const parsed = readArgs(args, { positions: { type: 'boolean' } });
  if (parsed.kind === 'help') {
    io.stdout(PARSE_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') return usageError('parse', parsed.message, PARSE_USAGE, io);
  if (parsed.positionals.length !== 1) {
    return usageError('parse', parsed.positionals.length ? 'parse takes one FILE' : 'missing FILE', PARSE_USAGE, io);
  }
  const file = parsed.positionals[0]!;
  const read = readSource(isAbsolute(file) ? file : resolve(io.cwd, file));
  if (!read.ok) {
    io.stderr(`aria parse: cannot read ${file}: it ${read.reason}\n`);
    return 2;
  }
  const text = read.text;
  const tree = await parse(text);
  const lines = new LineIndex(text);
  try {
    printTree(tree, text, lines, parsed.values.positions === true, io.stdout);
    const style = makeStyle(io.colour?.stderr ?? false);
    let module: ReturnType<typeof lowerModule>;
    try {
      module = lowerModule(tree, text, file);
    } catch (error) {
      // Lowering recurses along the nesting of the source: absurd nesting exhausts the stack, as in `check`.
      if (!(error instanceof RangeError)) throw error;
      io.stderr(`${style.bold(`${file}:1:1:`)} ${style.error('error E0002')}${style.bold(': this file nests too deeply to analyse (the analysis ran out of stack); split the deepest expression')}\n`);
      return 1;
    }
    for (const error of module.syntaxErrors) {
      const { line, column } = lines.position(error.span.start);
      io.stderr(`${style.bold(`${file}:${line + 1}:${column + 1}:`)} ${style.error('error E0001')}${style.bold(`: ${error.message}`)}\n`);
    }
    return module.syntaxErrors.length ? 1 : 0;
  } finally {
    tree.delete();
  }
}
