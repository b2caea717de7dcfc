// Reads Aria sources for the CLI safely: no symlink out of the workspace, no binary or non-UTF-8 file, no file past the size limit.
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** The largest source file the CLI reads: 8 MiB (a 500,000-line file took 1.1 GB and 9.8 s to check). */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

export type SourceRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of `root` (the root itself if it cannot be resolved). */
export function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return root;
  }
}

/**
 * Reads `path` as Aria source. With `root`, a path inside the root that is, or passes through, a symlink whose
 * target leaves the root is not followed (a path outside the root, named by the user, is read): `aria check .` followed `env.aria -> /proc/self/environ` and printed the environment in a
 * diagnostic. A symlink loop is named as one. A file with NUL bytes or that is not valid UTF-8 is refused whole, so
 * no excerpt of it is ever echoed.
 */
export function readSource(path: string, root?: string, maxBytes = MAX_SOURCE_BYTES): SourceRead {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, reason: 'is a symlink loop' };
    return { ok: false, reason: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})` };
  }
  // Only a link that leads out matters: a file named by a path outside the workspace is the user's own choice.
  if (root !== undefined && inside(resolve(path), resolve(root)) && !inside(real, realRoot(root))) {
    const linked = (() => {
      try {
        return lstatSync(path).isSymbolicLink();
      } catch {
        return false;
      }
    })();
    return { ok: false, reason: `${linked ? 'is a symlink' : 'passes through a symlink'} to ${real}, outside the workspace ${root}: not followed` };
  }
  let size: number;
  try {
    const st = statSync(real);
    if (!st.isFile()) return { ok: false, reason: 'is not a file' };
    size = st.size;
  } catch (error) {
    return { ok: false, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (size > maxBytes) {
    return { ok: false, reason: `is ${(size / (1024 * 1024)).toFixed(1)} MB; source files over ${maxBytes / (1024 * 1024)} MB are not read` };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(real);
  } catch (error) {
    return { ok: false, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  // /proc files report size 0: the limit is checked again on what was read.
  if (bytes.length > maxBytes) return { ok: false, reason: `is over ${maxBytes / (1024 * 1024)} MB; source files that large are not read` };
  if (bytes.includes(0)) return { ok: false, reason: 'is not a text file (it holds NUL bytes)' };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'is not valid UTF-8 text' };
  }
}
