// Checks the example programs' shape (they feed the TextMate snapshots and the other suites): they parse, and carry their expectations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, type Node } from '../../grammar/parser.js';
import { exampleFiles, examplesDir } from './tm-tools.js';

const all = exampleFiles();
const programs = all.filter(f => !f.includes('/'));
const errorPrograms = all.filter(f => f.startsWith('errors/'));
const ours = all.filter(f => !f.startsWith('seed/'));

/** ERROR and MISSING nodes, as `line:column type`. */
function syntaxProblems(node: Node): string[] {
  const here = node.isError || node.isMissing ? [`${node.startPosition.row + 1}:${node.startPosition.column + 1} ${node.type}`] : [];
  return here.concat(node.children.flatMap(child => (child ? syntaxProblems(child) : [])));
}

const read = (file: string): string => readFileSync(join(examplesDir, file), 'utf8');

describe('examples', () => {
  it('has at least 14 programs and 6 error programs', () => {
    expect(programs.length).toBeGreaterThanOrEqual(14);
    expect(errorPrograms.length).toBeGreaterThanOrEqual(6);
  });

  it.each(all)('%s parses without ERROR or MISSING nodes', async file => {
    const tree = await parse(read(file));
    expect(syntaxProblems(tree.rootNode)).toEqual([]);
  });

  it.each(ours)('%s opens with a comment saying what it shows', file => {
    expect(read(file).split('\n')[0]).toMatch(/^# \S/);
  });

  it.each(programs)('%s is 20-80 lines and ends with its expected output', file => {
    const lines = read(file).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(lines.length).toBeLessThanOrEqual(80);
    const outputs = lines.filter(line => line.startsWith('# output: '));
    expect(outputs.length).toBeGreaterThan(0);
    // the expected output is the file's last block: nothing but `# output:` lines after the first one
    const first = lines.findIndex(line => line.startsWith('# output: '));
    expect(lines.slice(first).every(line => line.startsWith('# output: '))).toBe(true);
  });

  it.each(errorPrograms)('%s marks its offending lines with # error: or # warning:', file => {
    const marked = read(file)
      .split('\n')
      .filter(line => /\S.*#\s*(error|warning): \S/.test(line));
    expect(marked.length).toBeGreaterThan(0);
  });
});
