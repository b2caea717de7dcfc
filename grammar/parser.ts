// Loads the Aria tree-sitter grammar (wasm) once and hands out parsers; the only module that knows where the wasm lives.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Edit, Language, Parser, Query, Tree } from 'web-tree-sitter';
import { registerBinding } from './flat-tree.js';

export type { Node, Tree, Point, Query } from 'web-tree-sitter';
export { Edit };

let loading: Promise<Language> | undefined;

/**
 * The Emscripten module web-tree-sitter instantiates: the options object given to `Parser.init` becomes it, with
 * the heap views and the binding's `_ts_*_wasm` exports. `flat-tree.ts` reads it (and checks what it needs).
 */
const binding: Record<string, unknown> = {};

/** Finds a file shipped beside the bundle (dist/) or in the source tree (grammar/, node_modules/). */
function locate(name: string): string {
  // grammar/package.json must stay CommonJS (tree-sitter 0.22 loads grammar.js with require), so tsc types this
  // file as CommonJS; bundles define __dirname, while vitest and tsx may run it as ESM with import.meta.
  // @ts-expect-error TS1470: import.meta in a file typed as CommonJS
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, name),
    join(here, '..', 'grammar', name),
    join(here, '..', 'node_modules', 'web-tree-sitter', name),
    join(here, '..', '..', 'node_modules', 'web-tree-sitter', name),
  ];
  return candidates.find(existsSync) ?? name;
}

/**
 * The size of web-tree-sitter's wasm memory (its heap: every tree and parser lives there), in bytes; 0 before the
 * language is loaded. A wasm memory grows and never shrinks: this is its high-water mark.
 */
export function wasmMemoryBytes(): number {
  const heap = binding.HEAPU8;
  return heap instanceof Uint8Array ? heap.buffer.byteLength : 0;
}

/** The Aria language, loaded once per process. */
export function loadAria(): Promise<Language> {
  loading ??= (async () => {
    binding.locateFile = (file: string) => locate(file);
    await Parser.init(binding);
    registerBinding(Tree, binding);
    return Language.load(locate('tree-sitter-aria.wasm'));
  })();
  return loading;
}

/**
 * A new parser for Aria; callers keep it (parsers are cheap, the language is shared). A lone CR is a line break,
 * as it is for LSP positions and for `LineIndex`: the parser reads it as LF (the same length, so every offset
 * stays where it was).
 */
export async function createParser(): Promise<Parser> {
  const language = await loadAria();
  const parser = new Parser();
  parser.setLanguage(language);
  const parse = parser.parse.bind(parser);
  parser.parse = ((input, old, options) => parse(typeof input === 'string' ? withLineFeeds(input) : input, old, options)) as Parser['parse'];
  return parser;
}

/** The text with each lone CR (one not followed by LF) read as LF. */
export function withLineFeeds(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/** Compiles a query against the Aria language. */
export async function createQuery(source: string): Promise<Query> {
  return new Query(await loadAria(), source);
}

/** Parses text in one go (convenience for tools and tests); the tree outlives the parser, which is freed. */
export async function parse(text: string): Promise<Tree> {
  const parser = await createParser();
  try {
    const tree = parser.parse(text);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  } finally {
    parser.delete();
  }
}

/**
 * Applies a text change to `tree` so that the next `parser.parse(newText, tree)` reuses what did not change.
 * Offsets are UTF-16 code units, as web-tree-sitter counts them.
 */
export function editFor(oldText: string, start: number, oldEnd: number, newText: string): Edit {
  const newEnd = start + (newText.length - (oldText.length - (oldEnd - start)));
  // One scan up to the edit; the two ends are found from there (the text before `start` is the same in both).
  const startPosition = pointAt(oldText, start);
  return new Edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition,
    oldEndPosition: advance(startPosition, oldText, start, oldEnd),
    newEndPosition: advance(startPosition, newText, start, newEnd),
  });
}

/**
 * The point of offset `to` in `text`, given the point `from` of offset `at` (at <= to). A line break ends at its last
 * character: the LF of CRLF, a lone CR, an LF. The CR is looked for once: searching for the next one at each line
 * would run to the end of a text that has none, once per line.
 */
function advance(from: { row: number; column: number }, text: string, at: number, to: number): { row: number; column: number } {
  let row = from.row;
  let lineStart = at - from.column;
  const cr = text.indexOf('\r', at);
  if (cr === -1 || cr >= to) {
    // No CR in the way: jump from LF to LF natively.
    for (let i = text.indexOf('\n', at); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) {
      row++;
      lineStart = i + 1;
    }
    return { row, column: to - lineStart };
  }
  for (let i = at; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      row++;
      lineStart = i + 1;
    }
  }
  return { row, column: to - lineStart };
}

/** Row and column (UTF-16 code units) of an offset. */
export function pointAt(text: string, offset: number): { row: number; column: number } {
  return advance({ row: 0, column: 0 }, text, 0, offset);
}
