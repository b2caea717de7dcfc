// Finds the `@test` functions of an Aria file with the grammar (no vscode API): what the Test Explorer and the code lenses list.
import { createParser } from '../grammar/parser.js';
import type { Node } from '../grammar/parser.js';

/** A 0-based line and UTF-16 column, as VS Code and LSP count them. */
export interface TextPosition {
  readonly line: number;
  readonly character: number;
}

/** A `@test` function found in a file's text. */
export interface DiscoveredTest {
  readonly name: string;
  /** From the first annotation of the function (`@test`, or one above it) to its `end`. */
  readonly start: TextPosition;
  readonly end: TextPosition;
  /** The function's name. */
  readonly nameStart: TextPosition;
  readonly nameEnd: TextPosition;
}

type Parser = Awaited<ReturnType<typeof createParser>>;
let parser: Promise<Parser> | undefined;

/**
 * The `@test` functions of `text`, in source order: a top-level `fn` with an annotation named `test` (with or
 * without arguments), as `aria test` finds them (runtime/testing.ts). A nested function, an annotated statement,
 * `@test` in a comment or a string, and `@tests` are not tests. A file without the text `@test` is not parsed.
 */
export async function discoverTests(text: string): Promise<DiscoveredTest[]> {
  if (!text.includes('@test')) return [];
  const p = await (parser ??= createParser());
  const tree = p.parse(text);
  if (!tree) return [];
  try {
    const lines = lineStarts(text);
    const out: DiscoveredTest[] = [];
    const seen = new Set<string>();
    const visit = (node: Node): void => {
      if (node.type === 'annotated') {
        const item = node.childForFieldName('item');
        const isTest = node.childrenForFieldName('annotation').some(a => a?.childForFieldName('name')?.text === 'test');
        const name = item?.type === 'function_definition' ? item.childForFieldName('name') : null;
        // two functions of one name (an error of the file) make one test: a test's id is its file and name
        if (isTest && name && !seen.has(name.text)) {
          seen.add(name.text);
          out.push({
            name: name.text,
            start: positionAt(lines, node.startIndex),
            end: positionAt(lines, node.endIndex),
            nameStart: positionAt(lines, name.startIndex),
            nameEnd: positionAt(lines, name.endIndex),
          });
        }
      } else if (node.type === 'ERROR') {
        // a top-level part the parser could not make sense of (the user is typing): tests inside it still count
        for (const child of node.namedChildren) if (child) visit(child);
      }
    };
    for (const child of tree.rootNode.namedChildren) if (child) visit(child);
    return out;
  } finally {
    tree.delete();
  }
}

/** The offset at which each line starts; a line break is LF, CRLF or a lone CR (docs/language.md). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function positionAt(starts: readonly number[], offset: number): TextPosition {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo]! };
}
