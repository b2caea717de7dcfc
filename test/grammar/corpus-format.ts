// Reads tree-sitter corpus files (grammar/test/corpus/*.txt) and normalises, strips and pretty-prints S-expressions.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const grammarDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'grammar');
export const corpusDir = join(grammarDir, 'test', 'corpus');

/** One `====` title block, its source and its expected tree, as `tree-sitter test` reads them. */
export interface CorpusCase {
  readonly file: string;
  readonly title: string;
  /** `:skip`, `:error`, `:platform(...)`... as written under the title. */
  readonly attributes: readonly string[];
  readonly source: string;
  readonly expected: string;
  /** Offsets of the expected tree's text in the file (for rewriting it). */
  readonly expectedStart: number;
  readonly expectedEnd: number;
}

const headerPattern = /^={3,}[^\r\n=]*\r?\n((?:[^=\r\n][^\r\n]*\r?\n)+)={3,}[^\r\n=]*\r?\n/gm;
const dividerPattern = /^-{3,}[^\r\n-]*\r?\n/m;

/** Splits a corpus file into cases the way tree-sitter 0.22 does (the source loses one trailing line break). */
export function parseCorpus(file: string, text: string): CorpusCase[] {
  const headers = [...text.matchAll(headerPattern)];
  return headers.flatMap((header, i): CorpusCase[] => {
    const bodyStart = (header.index ?? 0) + header[0].length;
    const bodyEnd = i + 1 < headers.length ? (headers[i + 1]!.index ?? text.length) : text.length;
    const body = text.slice(bodyStart, bodyEnd);
    const divider = dividerPattern.exec(body);
    if (!divider) return [];
    const lines = header[1]!.split(/\r?\n/).filter(line => line.trim() !== '');
    const title = lines.filter(line => !line.startsWith(':')).join(' ').trim();
    const attributes = lines.filter(line => line.startsWith(':')).map(line => line.trim());
    const source = body.slice(0, divider.index).replace(/\r?\n$/, '');
    const expectedStart = bodyStart + divider.index + divider[0].length;
    return [{
      file,
      title,
      attributes,
      source,
      expected: text.slice(expectedStart, bodyEnd).trim(),
      expectedStart,
      expectedEnd: bodyEnd,
    }];
  });
}

/** Every case of every corpus file, in file order. */
export function readCorpus(): CorpusCase[] {
  return readdirSync(corpusDir)
    .filter(name => name.endsWith('.txt'))
    .sort()
    .flatMap(name => parseCorpus(name, readFileSync(join(corpusDir, name), 'utf8')));
}

type Token =
  | { readonly kind: 'open' }
  | { readonly kind: 'close' }
  | { readonly kind: 'field'; readonly text: string }
  | { readonly kind: 'atom'; readonly text: string };

/**
 * Tokens of an S-expression. Quoted atoms (`"}"` in `(MISSING "}")`, `'x'` in `(UNEXPECTED 'x')`) stay whole and
 * end just before a `)`, since tree-sitter does not escape them (a missing quote prints as `(MISSING """)`).
 */
function tokenize(sexp: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\()|(\))|(".*?"(?=\s*\))|'.*?'(?=\s*\)))|([^\s()]+))/gy;
  for (let m = pattern.exec(sexp); m && m[0] !== ''; m = pattern.exec(sexp)) {
    if (m[1]) tokens.push({ kind: 'open' });
    else if (m[2]) tokens.push({ kind: 'close' });
    else if (m[3]) tokens.push({ kind: 'atom', text: m[3] });
    else if (m[4]?.endsWith(':')) tokens.push({ kind: 'field', text: m[4] });
    else if (m[4]) tokens.push({ kind: 'atom', text: m[4] });
  }
  return tokens;
}

/** One line: single spaces, no space inside parentheses (what tree-sitter compares). */
export function normalizeSexp(sexp: string): string {
  let out = '';
  for (const token of tokenize(sexp)) {
    switch (token.kind) {
      case 'open':
        out += out === '' || out.endsWith('(') ? '(' : ' (';
        break;
      case 'close':
        out += ')';
        break;
      case 'field':
      case 'atom':
        out += out === '' || out.endsWith('(') ? token.text : ` ${token.text}`;
        break;
      default: {
        const unreachable: never = token;
        return unreachable;
      }
    }
  }
  return out;
}

/** Drops `name:` field labels (tree-sitter ignores fields when the expected tree has none). */
export function stripFields(sexp: string): string {
  return normalizeSexp(tokenize(sexp).filter(t => t.kind !== 'field').map(tokenText).join(' '));
}

/** True when the S-expression names fields anywhere. */
export function hasFields(sexp: string): boolean {
  return tokenize(sexp).some(t => t.kind === 'field');
}

function tokenText(token: Token): string {
  switch (token.kind) {
    case 'open':
      return '(';
    case 'close':
      return ')';
    case 'field':
    case 'atom':
      return token.text;
    default: {
      const unreachable: never = token;
      return unreachable;
    }
  }
}

/** Indents an S-expression as `tree-sitter test --update` does: one node a line, two spaces a level. */
export function prettySexp(sexp: string): string {
  let out = '';
  let depth = 0;
  let pendingField = '';
  for (const token of tokenize(sexp)) {
    switch (token.kind) {
      case 'open':
        if (out !== '') out += '\n' + '  '.repeat(depth);
        out += pendingField + '(';
        pendingField = '';
        depth++;
        break;
      case 'close':
        out += ')';
        depth--;
        break;
      case 'field':
        pendingField = `${token.text} `;
        break;
      case 'atom':
        out += out.endsWith('(') ? token.text : ` ${token.text}`;
        break;
      default: {
        const unreachable: never = token;
        return unreachable;
      }
    }
  }
  return out;
}
