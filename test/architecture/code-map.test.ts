// ARCHITECTURE.md's code map stays true: it names every source file in its folder's section, and the Machine
// members it and docs/runtime.md name exist.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../runtime/machine.js';
import { sourceFiles } from './source-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const architecture = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

/** The text of the code map's section of a top folder (`### \`runtime/\``), up to the next heading. */
function section(doc: string, folder: string): string {
  const start = doc.indexOf(`### \`${folder}/\``);
  if (start < 0) return '';
  const next = doc.indexOf('\n#', start + 1);
  return doc.slice(start, next < 0 ? doc.length : next);
}

/** The file names a section names in backticks (`a.ts`, `syntax/lower.ts`, `status.ts`/`status-model.ts`). */
function namedFiles(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/`([^`\s]+\.ts)`/g)) out.add(basename(m[1]!));
  return out;
}

/** Source files the code map does not name in their folder's section. */
export function unnamed(doc: string, files: readonly string[]): string[] {
  return files.filter(file => {
    const top = file.split('/')[0]!;
    return !namedFiles(section(doc, top)).has(basename(file));
  });
}

describe('the code map of ARCHITECTURE.md', () => {
  it('names every source file in its folder\'s section', () => {
    expect(unnamed(architecture, sourceFiles())).toEqual([]);
  });

  it('catches a file it does not name', () => {
    expect(unnamed(architecture, ['runtime/no-such-room.ts', 'runtime/machine.ts'])).toEqual(['runtime/no-such-room.ts']);
  });

  it('names only Machine members that exist', () => {
    const docs = architecture + readFileSync(join(ROOT, 'docs/runtime.md'), 'utf8');
    const named = [...docs.matchAll(/`Machine\.(\w+)/g)].map(m => m[1]!);
    // The `(\`Machine\`: a, b, c)` list of the runtime section names methods too.
    const listed = /\(`Machine`: ([^)]*)\)/.exec(section(architecture, 'runtime'))?.[1] ?? '';
    const methods = [...listed.matchAll(/`(\w+)`/g)].map(m => m[1]!);
    expect(methods.length).toBeGreaterThan(0);
    const machine = Object.create(Machine.prototype) as Record<string, unknown>;
    const instanceFields = ['s', 'listener', 'seen', 'inFlightSteps', 'program', 'host', 'options'];
    for (const name of [...named, ...methods]) expect(name in machine || instanceFields.includes(name), name).toBe(true);
  });
});
