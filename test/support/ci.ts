// Suites that need a tool outside the repository: skipped with a warning on a developer's machine, failing in CI.

/** True when the CI convention's `CI` variable is set (to anything but empty, `0` or `false`). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * What to do about a suite that cannot run (`missing` says why, undefined when it can): outside CI warn and
 * skip; in CI the suite must run, so this answers an error message for a test that fails.
 */
export function missingTool(suite: string, missing: string | undefined, env: NodeJS.ProcessEnv = process.env): { skip: boolean; failure?: string } {
  if (missing === undefined) return { skip: false };
  if (inCi(env)) return { skip: true, failure: `${suite} cannot run in CI: ${missing}` };
  console.warn(`[${suite}] skipped: ${missing}`);
  return { skip: true };
}
