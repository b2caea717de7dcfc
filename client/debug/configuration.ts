// launch.json for the "aria" debugger as plain data: the initial configurations, and how F5 without a launch.json is filled in.

export interface AriaDebugConfiguration {
  type: string;
  request: string;
  name: string;
  program?: string;
  [key: string]: unknown;
}

/** What "create a launch.json file" writes. */
export const INITIAL_CONFIGURATIONS: readonly AriaDebugConfiguration[] = [
  { type: 'aria', request: 'launch', name: 'Debug current Aria file', program: '${file}', stopOnEntry: false },
  { type: 'aria', request: 'launch', name: 'Debug Aria file (single-threaded, stop on entry)', program: '${file}', flavor: 'single', stopOnEntry: true },
];

export type Resolved = { readonly ok: true; readonly config: AriaDebugConfiguration } | { readonly ok: false; readonly message: string };

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/**
 * F5 with no launch.json gives an empty configuration: debug the active .aria file. A configuration without a
 * program gets the active file too; with no .aria file open there is nothing to debug.
 */
export function resolveAriaConfiguration(config: Partial<AriaDebugConfiguration>, activeAriaFile: string | undefined): Resolved {
  const empty = !config.type && !config.request && !config.name;
  if (empty) {
    if (!activeAriaFile) return { ok: false, message: 'Open an .aria file to debug it, or add an "aria" configuration to launch.json.' };
    return { ok: true, config: { type: 'aria', request: 'launch', name: `Debug ${baseName(activeAriaFile)}`, program: activeAriaFile } };
  }
  if (config.request !== undefined && config.request !== 'launch') {
    return { ok: false, message: `Aria programs are launched, not attached to: set "request": "launch".` };
  }
  const given = typeof config.program === 'string' && config.program.trim() !== '';
  // A replay file names its program: the active file is not put in its place.
  if (!given && typeof config['replay'] === 'string') {
    return { ok: true, config: { ...config, type: 'aria', request: 'launch', name: config.name ?? 'Replay a schedule' } as AriaDebugConfiguration };
  }
  const program = given ? config.program! : activeAriaFile;
  if (!program) return { ok: false, message: 'The Aria launch configuration needs "program": the path of an .aria file.' };
  return {
    ok: true,
    config: { ...config, type: 'aria', request: 'launch', name: config.name ?? `Debug ${baseName(program)}`, program } as AriaDebugConfiguration,
  };
}
