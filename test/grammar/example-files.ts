// Lists the Aria programs under examples/ (recursively) for the grammar suites.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { grammarDir } from './corpus-format.js';

export const examplesDir = join(grammarDir, '..', 'examples');

/** Every .aria file under `dir`, recursively, sorted. */
export function ariaFiles(dir: string = examplesDir): string[] {
  return readdirSync(dir).sort().flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ariaFiles(path);
    return name.endsWith('.aria') ? [path] : [];
  });
}
