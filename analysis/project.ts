// The project file `aria.toml`: which folders hold a project's .aria files, what to leave out, and runtime defaults.
//
// Read by `aria check` (the files of the workspace), the language server (which files it scans) and the debugger and
// `aria run` (the default flavour and workers). Plain data and pure functions; the caller injects file reading.
import picomatch from 'picomatch';
import { parse as parseToml, TomlError } from 'smol-toml';

export const PROJECT_FILE = 'aria.toml';

export type ProjectFlavor = 'multi' | 'single' | 'wasm';

export interface Project {
  /** The folder holding `aria.toml` (absolute, `/`-separated as given); roots and excludes are relative to it. */
  readonly dir: string;
  /** The path of the project file, or undefined for the default project of a folder without one. */
  readonly file?: string;
  /** Folders whose .aria files make the workspace, relative to `dir` (default `["."]`). */
  readonly roots: readonly string[];
  /** Glob patterns (relative to `dir`) of files and folders to leave out; a folder that matches leaves out all below it. */
  readonly exclude: readonly string[];
  /** `[runtime]`: the defaults of `aria run` and of a debug launch that does not name them. */
  readonly runtime: { readonly flavor?: ProjectFlavor; readonly workers?: number };
}

/** A problem in the project file, with the 1-based line and column when the TOML reader knows them. */
export interface ProjectError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export type ProjectResult = { readonly ok: true; readonly project: Project } | { readonly ok: false; readonly error: ProjectError };

const KEYS = new Set(['roots', 'exclude', 'runtime']);
const RUNTIME_KEYS = new Set(['flavor', 'workers']);

function join(dir: string, file: string): string {
  return dir.endsWith('/') ? `${dir}${file}` : `${dir}/${file}`;
}

function parent(dir: string): string | undefined {
  const trimmed = dir.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return undefined;
  return i === 0 ? (trimmed === '' ? undefined : '/') : trimmed.slice(0, i);
}

/** The default project of a folder without `aria.toml`: every .aria file under it. */
export function defaultProject(dir: string): Project {
  return { dir, roots: ['.'], exclude: [], runtime: {} };
}

/** Reads the text of an `aria.toml` found in `dir`; every problem is an error naming the key, never an exception. */
export function parseProjectFile(text: string, dir: string): ProjectResult {
  const file = join(dir, PROJECT_FILE);
  const fail = (message: string, line?: number, column?: number): ProjectResult => ({ ok: false, error: { file, line, column, message } });
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) return fail(error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, ''), error.line, error.column);
    return fail(String(error));
  }
  for (const key of Object.keys(doc)) if (!KEYS.has(key)) return fail(`unknown key \`${key}\` (roots, exclude, [runtime])`);
  const strings = (key: string, value: unknown): readonly string[] | string => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) return `\`${key}\` must be a list of strings`;
    return value as string[];
  };
  const roots = strings('roots', doc['roots']);
  if (typeof roots === 'string') return fail(roots);
  const exclude = strings('exclude', doc['exclude']);
  if (typeof exclude === 'string') return fail(exclude);
  for (const root of roots) if (root.startsWith('/') || root.split('/').includes('..')) return fail(`root \`${root}\` must be a folder inside the project`);
  const raw = doc['runtime'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('`runtime` must be a table: [runtime]');
  const table = raw as Record<string, unknown>;
  for (const key of Object.keys(table)) if (!RUNTIME_KEYS.has(key)) return fail(`unknown key \`runtime.${key}\` (flavor, workers)`);
  const flavor = table['flavor'];
  if (flavor !== undefined && flavor !== 'multi' && flavor !== 'single' && flavor !== 'wasm') {
    return fail('`runtime.flavor` must be "multi", "single" or "wasm"');
  }
  const workers = table['workers'];
  if (workers !== undefined && (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 64)) {
    return fail('`runtime.workers` must be a whole number from 1 to 64');
  }
  return {
    ok: true,
    project: {
      dir, file, roots: roots.length ? roots : ['.'], exclude,
      runtime: { ...(flavor !== undefined ? { flavor } : {}), ...(workers !== undefined ? { workers: workers as number } : {}) },
    },
  };
}

/**
 * The project a path belongs to: the nearest `aria.toml` in `start` or a folder above it; without one, the default
 * project of `start`. `readText` returns undefined for a file that is not there.
 */
export function findProject(start: string, readText: (path: string) => string | undefined): ProjectResult {
  for (let dir: string | undefined = start; dir !== undefined; dir = parent(dir)) {
    const text = readText(join(dir, PROJECT_FILE));
    if (text !== undefined) return parseProjectFile(text, dir);
  }
  return { ok: true, project: defaultProject(start) };
}

/** A predicate telling whether an absolute path is left out of the project by its `exclude` patterns. */
export function excluder(project: Project): (path: string) => boolean {
  if (project.exclude.length === 0) return () => false;
  const match = picomatch(project.exclude.map(p => p.replace(/^\.\//, '').replace(/\/+$/, '')), { dot: true });
  const base = project.dir.replace(/\/+$/, '');
  return path => {
    if (!path.startsWith(`${base}/`)) return false;
    const segments = path.slice(base.length + 1).split('/');
    // A pattern that names a folder leaves out everything below it.
    for (let i = 1; i <= segments.length; i++) if (match(segments.slice(0, i).join('/'))) return true;
    return false;
  };
}

/** The formatted error: `aria.toml:3:1: message`. */
export function formatProjectError(error: ProjectError, shown: (path: string) => string = p => p): string {
  const where = error.line !== undefined ? `:${error.line}${error.column !== undefined ? `:${error.column}` : ''}` : '';
  return `${shown(error.file)}${where}: ${error.message}`;
}
