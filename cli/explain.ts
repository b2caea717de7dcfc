// `aria explain CODE`: the long explanation of a diagnostic code, read from docs/diagnostics.md (embedded at build time).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** docs/diagnostics.md, put into the bundle by scripts/build.mjs; undefined when running from source. */
declare const ARIA_DIAGNOSTICS_DOC: string | undefined;

export interface Explanation {
  readonly code: string;
  readonly title: string;
  /** The section's text under its heading, as Markdown. */
  readonly body: string;
}

/** The text of docs/diagnostics.md: from the bundle, else from the source tree beside this file. */
function diagnosticsDoc(): string | undefined {
  if (typeof ARIA_DIAGNOSTICS_DOC === 'string') return ARIA_DIAGNOSTICS_DOC;
  try {
    return readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'diagnostics.md'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Every `### CODE — title` section of the document, in order; a section ends at the next heading of level 2 or 3. */
export function parseExplanations(doc: string): Explanation[] {
  const out: Explanation[] = [];
  let current: { code: string; title: string; lines: string[] } | undefined;
  let fenced = false;
  const close = () => {
    if (current) out.push({ code: current.code, title: current.title, body: current.lines.join('\n').trim() });
    current = undefined;
  };
  for (const line of doc.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^(#{2,3})\s+(.*)$/.exec(line);
    if (heading) {
      close();
      const section = /^([A-Z]\d{4})\s+(?:—|--|-|:)\s+(.*)$/.exec(heading[2]!.trim());
      if (heading[1] === '###' && section) current = { code: section[1]!, title: section[2]!, lines: [] };
      continue;
    }
    current?.lines.push(line);
  }
  close();
  return out;
}

/** A Markdown section for a terminal: code fences become indented blocks, links their text. */
function plain(body: string): string {
  const out: string[] = [];
  let fenced = false;
  for (const line of body.split('\n')) {
    if (line.startsWith('```')) {
      fenced = !fenced;
      out.push('');
      continue;
    }
    out.push(fenced ? `    ${line}` : line.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1'));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

const USAGE = 'usage: aria explain CODE\n\nPrints the long explanation of a diagnostic code (E0202, W0201, ...), with an example.\n';

export function explainUsage(): string {
  return USAGE;
}

/** Runs `aria explain` with its positionals; resolves to the exit code. */
export function runExplain(positionals: readonly string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): number {
  const doc = diagnosticsDoc();
  if (doc === undefined) {
    io.stderr('aria explain: the explanations (docs/diagnostics.md) are not part of this build\n');
    return 2;
  }
  const all = parseExplanations(doc);
  if (positionals.length !== 1) {
    io.stderr(`aria explain: ${positionals.length ? 'explain takes one CODE' : 'missing CODE'}\n\n${USAGE}\ncodes: ${all.map(e => e.code).join(', ')}\n`);
    return 2;
  }
  const asked = positionals[0]!.toUpperCase();
  const found = all.find(e => e.code === asked);
  if (!found) {
    io.stderr(`aria explain: no diagnostic has the code \`${positionals[0]}\`\ncodes: ${all.map(e => e.code).join(', ')}\n`);
    return 2;
  }
  io.stdout(`${found.code}: ${found.title}\n\n${plain(found.body)}`);
  return 0;
}
