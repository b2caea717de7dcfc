// `aria parse FILE [--positions]`: the syntax tree, one node a line and indented, and any syntax errors.
import { isAbsolute, resolve } from 'node:path';
import { LineIndex } from '../analysis/line-index.js';
import { lowerModule } from '../analysis/syntax/lower.js';
import { parse } from '../grammar/parser.js';
import { readArgs } from './args.js';
import { readText } from './check.js';
import { usageError, type CliIo } from './io.js';
import { makeStyle } from './style.js';

export const PARSE_USAGE = `usage: aria parse FILE [--positions]

Prints the syntax tree of an Aria file, one named node a line, indented by depth, with field names
(\`name: (identifier)\`); syntax errors go to stderr (exit 1).
  --positions   each node's range, line:column-line:column (1-based; the end is just past the node)
`;

/** The tree as indented S-expressions; walks with a cursor, so a deeply nested file cannot exhaust the stack. */
function printTree(tree: Awaited<ReturnType<typeof parse>>, lines: LineIndex, positions: boolean): string {
  const out: string[] = [];
  const cursor = tree.walk();
  const at = (offset: number) => {
    const p = lines.position(offset);
    return `${p.line + 1}:${p.column + 1}`;
  };
  // Whether each ancestor of the cursor's node printed a line (named nodes do; anonymous tokens do not).
  const ancestors: boolean[] = [];
  let indent = 0;
  for (;;) {
    const node = cursor.currentNode;
    const named = cursor.nodeIsNamed || cursor.nodeIsMissing;
    if (named) {
      const field = cursor.currentFieldName;
      const kind = node.isMissing ? `MISSING ${node.type}` : node.type;
      const range = positions ? ` [${at(node.startIndex)}-${at(node.endIndex)}]` : '';
      out.push(`${'  '.repeat(indent)}${field ? `${field}: ` : ''}(${kind}${range}`);
    }
    if (cursor.gotoFirstChild()) {
      ancestors.push(named);
      if (named) indent++;
      continue;
    }
    if (named) out[out.length - 1] += ')';
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        return `${out.join('\n')}\n`;
      }
      if (ancestors.pop()) {
        indent--;
        out[out.length - 1] += ')';
      }
    }
  }
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
  const text = readText(isAbsolute(file) ? file : resolve(io.cwd, file));
  if (text === undefined) {
    io.stderr(`aria parse: cannot read ${file}\n`);
    return 2;
  }
  const tree = await parse(text);
  const lines = new LineIndex(text);
  try {
    io.stdout(printTree(tree, lines, parsed.values.positions === true));
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
