// Rewrites the expected trees of grammar/test/corpus/*.txt from the current parser, with fields (review the diff!).
// Usage: npx tsx test/grammar/update-corpus.ts [title substring]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from '../../grammar/parser.js';
import { corpusDir, normalizeSexp, parseCorpus, prettySexp, readCorpus } from './corpus-format.js';

async function main(): Promise<void> {
  const only = process.argv[2];
  const parser = await createParser();
  const files = [...new Set(readCorpus().map(c => c.file))];
  for (const file of files) {
    const path = join(corpusDir, file);
    const text = readFileSync(path, 'utf8');
    let out = '';
    let last = 0;
    let changed = 0;
    for (const c of parseCorpus(file, text)) {
      if (only && !c.title.includes(only)) continue;
      // `:error` cases assert only that the tree has an error (runtimes recover differently); `:skip` is skipped.
      if (c.attributes.some(a => a === ':error' || a === ':skip')) continue;
      const tree = parser.parse(c.source);
      if (!tree) continue;
      const actual = tree.rootNode.toString();
      if (normalizeSexp(actual) === normalizeSexp(c.expected)) continue;
      out += text.slice(last, c.expectedStart) + '\n' + prettySexp(actual) + '\n\n';
      last = c.expectedEnd;
      changed++;
    }
    if (changed === 0) continue;
    writeFileSync(path, out + text.slice(last));
    console.log(`${file}: ${changed} case(s) rewritten`);
  }
}

void main();
