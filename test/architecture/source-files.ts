// The source files of the folders the code map covers, for the architecture tests.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SOURCE_FOLDERS = ['grammar', 'analysis', 'server', 'client', 'runtime', 'debug', 'cli'];

/** The source files of the folders the code map covers (not tests, not generated grammar sources). */
export function sourceFiles(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(root, rel)).isDirectory()) {
        if (rel === 'grammar/src' || rel === 'grammar/test' || name === 'node_modules') continue;
        walk(rel);
      } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return out;
}
