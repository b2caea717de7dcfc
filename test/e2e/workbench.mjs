// What both code-server drivers share: command-line options, headless Chromium on the workbench, and the wait and palette steps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

/** The Quick Input widget while it is shown (Quick Open, Go to Line, the command palette). */
export const QUICK_INPUT = '.quick-input-widget:not([style*="display: none"])';

/** The value after `--name` on the command line, if any. */
export function option(name) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * Starts Debian's Chromium headless (playwright-core from the harness's install) in a fresh profile, with the flags
 * this closed network needs. `close()` ends the browser and removes the profile.
 */
export async function launchBrowser(profilePrefix, viewport) {
  const harnessHome = process.env.HARNESS_HOME || '/tmp/aria-editor-e2e';
  const { chromium } = createRequire(path.join(harnessHome, 'noop.js'))('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] || (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { page, close };
}

/** Keyboard, waiting and command-palette steps on a workbench page. */
export function workbenchSteps(page, { timeoutMs, pollMs }) {
  const key = k => page.keyboard.press(k);

  /** Polls `probe` until it answers `{ok: true, ...}`; fails with the last answer after `ms`. */
  async function until(what, probe, ms = timeoutMs) {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
      last = await probe();
      if (last && last.ok) return last;
      await page.waitForTimeout(pollMs);
    }
    throw new Error(`${what}: not seen within ${ms} ms; last state ${JSON.stringify(last)}`);
  }

  /** Presses `keys` until the Quick Input shows (a key can be swallowed while the workbench is busy). */
  async function openQuickInput(keys) {
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const k of keys) await key(k);
      try {
        await page.waitForSelector(`${QUICK_INPUT} input`, { timeout: 5000 });
        return;
      } catch {
        await key('Escape');
      }
    }
    throw new Error(`quick input did not open with ${keys.join(' ')}`);
  }

  /** Runs a command by its palette title. */
  async function runCommand(title) {
    await openQuickInput(['F1']);
    await page.keyboard.type(title, { delay: 15 });
    await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`, { timeout: 15_000 });
    await key('Enter');
  }

  return { key, until, openQuickInput, runCommand };
}

/**
 * A recorder of checks: `check(name, fn, { skip })` runs `fn` (its result is the check's detail; throwing fails it),
 * pushes `{ name, status, ms, detail }` on `checks`, logs it, and calls `onFail(name)` (a screenshot) on failure.
 */
export function checkRecorder({ checks, log, onFail, detailLimit = 800 }) {
  return async function check(name, fn, { skip } = {}) {
    if (skip) {
      checks.push({ name, status: 'skip', detail: skip });
      log('SKIP', name, '-', skip);
      return undefined;
    }
    const started = Date.now();
    try {
      const detail = (await fn()) ?? {};
      checks.push({ name, status: 'pass', ms: Date.now() - started, detail });
      log('PASS', name, `${Date.now() - started}ms`);
      return detail;
    } catch (error) {
      checks.push({ name, status: 'fail', ms: Date.now() - started, detail: String(error && error.message ? error.message : error).slice(0, detailLimit) });
      log('FAIL', name, String(error).slice(0, 400));
      await onFail(name);
      return undefined;
    }
  };
}
