// Drives the Aria extension in code-server with headless Chromium (playwright-core) through a plan; writes checks as JSON.
//
//   VSCODE_URL=... node aria-driver.mjs --plan plan.json --result result.json
// The plan (written by scripts/e2e.mjs) names the files to open and what each must show. Every check ends as
// pass, fail or skip (skip only where the plan says why); a failing step does not stop the later, independent ones.
// Modelled on the shared harness's vscode-e2e.mjs (same launch options, Quick Open, hover and Problems steps).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { checkRecorder, launchBrowser, option, workbenchSteps } from './workbench.mjs';

const plan = JSON.parse(fs.readFileSync(option('plan'), 'utf8'));
const resultPath = option('result');
const url = process.env.VSCODE_URL;
if (!url) throw new Error('VSCODE_URL is not set (run me through vscode-session.sh)');
const timeoutMs = plan.timeoutMs ?? 90_000;
const outDir = plan.outDir;
fs.mkdirSync(outDir, { recursive: true });

const t0 = Date.now();
const log = (...a) => console.error(`[aria-e2e +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const checks = [];
const screenshots = [];

const { page, close } = await launchBrowser('aria-e2e-chromium-', { width: 1400, height: 900 });
const consoleErrors = [];
page.on('pageerror', e => consoleErrors.push(`pageerror: ${String(e).slice(0, 300)}`));
const { key, until, openQuickInput, runCommand } = workbenchSteps(page, { timeoutMs, pollMs: 400 });

/** Records one check. `fn` returns a detail object; throwing fails the check. */
const check = checkRecorder({ checks, log, onFail: name => shot(`fail-${name.replace(/[^\w]+/g, '-').slice(0, 40)}`) });

async function shot(name) {
  const file = path.join(outDir, `${name}.png`);
  try {
    await page.screenshot({ path: file });
    screenshots.push(file);
  } catch {}
  return file;
}

async function closeQuickInput() {
  await key('Escape');
  await page.waitForTimeout(200);
}

async function openFile(name) {
  await page.click('.part.statusbar', { position: { x: 5, y: 5 } }).catch(() => {});
  await openQuickInput(['Control+P']);
  await page.keyboard.type(name, { delay: 20 });
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`, { timeout: 20_000 });
  await key('Enter');
  await page.waitForSelector(`.tabs-container .tab.active[aria-label*="${name}"]`, { timeout: 20_000 });
  await page.waitForTimeout(500);
}

/** Moves the cursor with Go to Line (1-based line and column). */
async function goTo(line, col) {
  await page.click('.editor-instance .monaco-editor .view-lines');
  await openQuickInput(['Control+G']);
  await page.keyboard.type(`${line}:${col}`, { delay: 20 });
  await key('Enter');
  await page.waitForTimeout(300);
}

const activeEditor = '.editor-group-container.active .monaco-editor';

async function editorState() {
  return page.evaluate(sel => {
    const editor = document.querySelector(sel);
    const prob = document.querySelector('#status\\.problems');
    const aria = [...document.querySelectorAll('.statusbar-item')].find(e =>
      (e.getAttribute('aria-label') || '').startsWith('Aria language server'));
    return {
      squiggles: editor ? editor.querySelectorAll('.squiggly-error').length : 0,
      problems: prob ? (prob.getAttribute('aria-label') || prob.textContent || '').trim() : null,
      languageMode: (document.querySelector('#status\\.editor\\.mode')?.textContent || '').trim(),
      ariaStatus: aria ? { label: aria.getAttribute('aria-label'), text: (aria.textContent || '').trim(), icons: [...aria.querySelectorAll('.codicon')].map(i => [...i.classList].find(c => c.startsWith('codicon-') && c !== 'codicon-modifier-spin') || '') } : null,
    };
  }, activeEditor);
}

/** The rows of the Testing view: label, and the state icon (passed, failed, ...) when there is one. */
async function testRows() {
  return page.$$eval('.test-explorer .monaco-list-row', els => els.map(e => ({
    label: (e.querySelector('.label-name, .monaco-icon-label')?.textContent || e.getAttribute('aria-label') || '').trim(),
    aria: e.getAttribute('aria-label') || '',
    expanded: e.getAttribute('aria-expanded'),
    icons: [...e.querySelectorAll('.codicon')].map(i => [...i.classList].find(c => c.startsWith('codicon-testing-')) || '').filter(Boolean),
  })));
}

/** The row of the test or file `name` (not one whose name merely contains it). */
function rowOf(rows, name) {
  return rows.find(r => r.label === name || r.label.startsWith(`${name} `));
}

/** The code lens texts of the active editor, one entry per lens line (`Run | Debug | Explore`). */
async function lensLines() {
  return page.$$eval(`${activeEditor} .codelens-decoration`, els => els.map(e => (e.textContent || '').replace(/\u00a0/g, ' ').trim()));
}

/** The Testing view, with every file row expanded. */
async function showTests(names) {
  await runCommand('Testing: Focus on Test Explorer View');
  return until('the Testing view lists the tests', async () => {
    const rows = await testRows();
    for (const [i, row] of rows.entries()) {
      if (row.expanded === 'false') {
        await page.locator('.test-explorer .monaco-list-row').nth(i).locator('.monaco-tl-twistie').click().catch(() => {});
        return { ok: false, rows };
      }
    }
    return { ok: names.every(n => rowOf(rows, n)), rows };
  }, 60_000);
}

/** Code lens, Testing view, a run with pass and fail, exploring schedules, and Debug this schedule. */
async function testingChecks(t) {
  await check(`Run | Debug | Explore code lenses above each @test of ${t.file}`, async () => {
    await openFile(t.file);
    await goTo(1, 1);
    const state = await until('test code lenses', async () => {
      const lines = await lensLines();
      const tests = lines.filter(l => /Run\s*\|\s*Debug\s*\|\s*Explore/.test(l.replace(/\s+/g, ' ')) || (l.includes('Run') && l.includes('Debug') && l.includes('Explore')));
      return { ok: tests.length === t.pass.length + t.fail.length, lines };
    }, 60_000);
    await shot('test-code-lens');
    return { lenses: state.lines };
  });

  const listed = await check(`the Testing view lists the tests of ${t.file}`, async () => {
    const state = await showTests([...t.pass, ...t.fail]);
    await shot('testing-view');
    return { rows: state.rows.map(r => r.label) };
  });
  if (!listed) return;

  await check('Run All Tests shows each test passed or failed, with the failure message', async () => {
    await runCommand('Test: Run All Tests');
    const state = await until('test results in the Testing view', async () => {
      const rows = await testRows();
      const iconOf = n => rowOf(rows, n)?.icons.join(' ') ?? '';
      const ok = t.pass.every(n => /passed/.test(iconOf(n))) && t.fail.every(n => /failed/.test(iconOf(n)));
      return { ok, rows };
    }, 90_000);
    await page.waitForTimeout(800);
    await shot('testing-view-results');
    // the failure's message is shown in the editor at the failing assertion (the peek, or the inline message)
    await openFile(t.file);
    const message = await until('the failure message in the editor', async () => {
      const text = await page.evaluate(() => document.querySelector('.monaco-workbench')?.innerText || '');
      return { ok: text.includes(t.failMessage), excerpt: text.slice(text.indexOf(t.failMessage) - 200, text.indexOf(t.failMessage) + 200) };
    }, 30_000);
    await shot('test-failure-message');
    return { rows: state.rows.map(r => `${r.label} ${r.icons.join(' ')}`), message: message.excerpt };
  });

  /** Hovers the Testing view's row of `name` and clicks its Debug Test button. */
  const debugRow = async name => {
    await showTests([...t.pass, ...t.fail]);
    const rows = page.locator('.test-explorer .monaco-list-row');
    const labels = await rows.evaluateAll(els => els.map(e => e.getAttribute('aria-label') || ''));
    const index = labels.findIndex(l => l === name || l.startsWith(`${name} `));
    if (index < 0) throw new Error(`no row for ${name} in ${JSON.stringify(labels)}`);
    const row = rows.nth(index);
    await row.hover();
    await row.locator('.codicon-testing-debug-icon').first().click();
  };
  const iconsOf = async name => (rowOf(await testRows(), name)?.icons ?? []).join(' ');

  await check(`the Debug profile stops the debugger at the failure of ${t.fail[0]}, and the Testing view marks it failed`, async () => {
    await key('Escape');
    // the results of Run All Tests go first, so that the mark seen afterwards is the Debug run's
    await runCommand('Test: Clear All Results');
    await showTests([...t.pass, ...t.fail]);
    const cleared = await until('no result left in the Testing view', async () => {
      const icons = await iconsOf(t.fail[0]);
      return { ok: !/failed|passed/.test(icons), icons };
    }, 20_000);
    await debugRow(t.fail[0]);
    const state = await until('a debug session stopped on the failing assertion', async () => {
      const s = await page.evaluate(() => ({
        exception: (document.querySelector('.exception-widget')?.textContent || '').trim(),
        callStack: (document.querySelector('.debug-call-stack')?.textContent || '').trim().slice(0, 400),
      }));
      return { ...s, ok: s.exception.includes(t.failMessage) };
    }, 60_000);
    await runCommand('View: Show Run and Debug');
    const stack = await until('the test in the Call Stack', async () => {
      const callStack = await page.evaluate(() => (document.querySelector('.debug-call-stack')?.textContent || '').trim().slice(0, 400));
      return { ok: callStack.includes(t.fail[0]), callStack };
    }, 20_000);
    state.callStack = stack.callStack;
    await shot('debug-test-profile');
    // stop it: the Debug run ends when its session does, and records the failure it stopped on
    await page.locator('.debug-toolbar .codicon-debug-stop').first().click();
    await until('the debug session ends', async () => ({ ok: (await page.locator('.debug-toolbar .codicon-debug-stop').count()) === 0 || !(await page.locator('.debug-toolbar').first().isVisible()) }), 20_000);
    await showTests([...t.pass, ...t.fail]);
    const marked = await until(`${t.fail[0]} marked failed by the Debug run`, async () => {
      const icons = await iconsOf(t.fail[0]);
      return { ok: /failed/.test(icons), icons };
    }, 30_000);
    return { cleared: cleared.icons, exception: state.exception.slice(0, 200), callStack: state.callStack, marked: marked.icons };
  });

  await check(`the Debug profile runs ${t.pass[0]} to its end, and the Testing view marks it passed`, async () => {
    await key('Escape');
    const before = await iconsOf(t.pass[0]);
    if (/passed|failed/.test(before)) throw new Error(`${t.pass[0]} already shows a result: ${before}`);
    await debugRow(t.pass[0]);
    const marked = await until(`${t.pass[0]} marked passed by the Debug run`, async () => {
      const icons = await iconsOf(t.pass[0]);
      return { ok: /passed/.test(icons), icons };
    }, 60_000);
    await shot('debug-test-passed');
    return { before, marked: marked.icons };
  });

  if (t.cancel) {
    await check('Explore shows its progress, and Cancel kills the aria test process', async () => {
      await openFile(t.cancel.file);
      await goTo(t.cancel.line, 1);
      const lens = page.locator(`${activeEditor} .codelens-decoration a`, { hasText: 'Explore' }).first();
      await lens.waitFor({ state: 'visible', timeout: 30_000 });
      await lens.click();
      const explorers = () => execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n')
        .filter(l => l.includes('cli.js test') && l.includes(t.cancel.file) && l.includes(`--explore ${t.cancel.schedules}`));
      const running = await until('the notification and the exploring process', async () => {
        const toasts = await page.$$eval('.notifications-toasts .notification-toast', els => els.map(e => e.innerText.replace(/\s+/g, ' ').trim()));
        const procs = explorers();
        return { ok: procs.length > 0 && toasts.some(x => x.includes(`exploring up to ${t.cancel.schedules} schedules`)), toasts, procs };
      }, 30_000);
      await page.waitForTimeout(1000);
      await shot('explore-progress');
      await page.locator('.notifications-toasts .notification-toast .monaco-button', { hasText: 'Cancel' }).first().click();
      await showTests([t.cancel.test]);
      const stopped = await until('the process gone and the test skipped', async () => {
        const rows = await testRows();
        const row = rowOf(rows, t.cancel.test);
        return { ok: explorers().length === 0 && Boolean(row?.icons.some(i => /skipped/.test(i))), row, procs: explorers() };
      }, 30_000);
      return { toasts: running.toasts, process: running.procs[0]?.slice(0, 200), row: stopped.row };
    });
  }

  if (!t.racy) return;
  const explored = await check(`the Explore code lens finds the failing schedule of ${t.racy.test}`, async () => {
    await key('Escape');
    await openFile(t.racy.file);
    await goTo(t.racy.line, 1);
    const lens = page.locator(`${activeEditor} .codelens-decoration a`, { hasText: 'Explore' }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();
    await runCommand('Testing: Focus on Test Explorer View');
    const state = await until('the explored test fails', async () => {
      const rows = await testRows();
      const row = rowOf(rows, t.racy.test);
      return { ok: Boolean(row && row.icons.some(i => /failed/.test(i))), rows };
    }, 120_000);
    await openFile(t.racy.file);
    // the failure is shown inline at the assertion; a click on it opens the peek with the whole message
    const inline = page.locator(`${activeEditor} .inner > .content`, { hasText: t.racy.failure }).first();
    await inline.waitFor({ state: 'visible', timeout: 30_000 });
    const inlineText = (await inline.textContent()) || '';
    await inline.click();
    const peek = await until('the peek with the replay file and Debug this schedule', async () => {
      const text = await page.evaluate(() => [...document.querySelectorAll('.peekview-widget')].map(e => e.innerText).join('\n'));
      return { ok: text.includes('Replay file:') && text.includes('Debug this schedule'), text: text.slice(0, 1200) };
    }, 30_000);
    await page.waitForTimeout(500);
    await shot('explore-failed-schedule');
    if (!inlineText.includes(t.racy.failure)) throw new Error(`the inline message reads ${JSON.stringify(inlineText)}, not the failure`);
    return { rows: state.rows.map(r => `${r.label} ${r.icons.join(' ')}`), inline: inlineText, peek: peek.text };
  });
  if (!explored) return;

  await check('Debug this schedule opens the debugger stopped at the failure', async () => {
    // the action the testing/message/content menu puts over the failure's message in the peek
    const action = page.locator('.peekview-widget .monaco-action-bar .action-label, .peekview-widget a', { hasText: /Debug this Schedule/i }).first();
    await action.waitFor({ state: 'visible', timeout: 20_000 });
    await action.click();
    const state = await until('a debug session stopped on the failure', async () => {
      const s = await page.evaluate(() => ({
        exception: (document.querySelector('.exception-widget')?.textContent || '').trim(),
        callStack: (document.querySelector('.debug-call-stack')?.textContent || '').trim().slice(0, 400),
        toolbar: Boolean(document.querySelector('.debug-toolbar')),
      }));
      return { ...s, ok: s.exception.includes(t.racy.failure) };
    }, 90_000);
    // the Call Stack shows the test's frame, stopped there
    await runCommand('View: Show Run and Debug');
    const stack = await until('the test in the Call Stack', async () => {
      const callStack = await page.evaluate(() => (document.querySelector('.debug-call-stack')?.textContent || '').trim().slice(0, 400));
      return { ok: callStack.includes(t.racy.test), callStack };
    }, 20_000);
    state.callStack = stack.callStack;
    await shot('debug-this-schedule');
    return { exception: state.exception.slice(0, 300), callStack: state.callStack };
  });

  /** Stops the debug session on screen and waits until it has ended. */
  const stopSession = async () => {
    await page.locator('.debug-toolbar .codicon-debug-stop').first().click().catch(() => {});
    await until('the debug session ends', async () => ({ ok: (await page.locator('.debug-toolbar .codicon-debug-stop').count()) === 0 || !(await page.locator('.debug-toolbar').first().isVisible()) }), 20_000);
  };
  /** Waits for a debug session stopped on the racy test's failure. */
  const stoppedOnFailure = () => until('a debug session stopped on the failure', async () => {
    const exception = await page.evaluate(() => (document.querySelector('.exception-widget')?.textContent || '').trim());
    return { ok: exception.includes(t.racy.failure), exception: exception.slice(0, 300) };
  }, 90_000);

  await check('the palette command Aria: Debug this Schedule offers the replay file and opens the debugger on it', async () => {
    await stopSession();
    await key('Escape');
    await runCommand('Aria: Debug this Schedule');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: t.racy.replay }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await page.$$eval('.quick-input-list .monaco-list-row', els => els.map(e => e.getAttribute('aria-label') || ''));
    await row.click();
    const state = await stoppedOnFailure();
    return { picks: rows, exception: state.exception };
  });

  await check('the failure\'s context menu in the Test Results view has Debug this Schedule, which opens the debugger', async () => {
    await stopSession();
    await key('Escape');
    // the Test Results panel: the run's output, and beside it the tree of runs, tests and their messages
    await runCommand('Test: Show Output');
    const tree = '.test-output-peek-tree';
    // the racy test's message in the results tree (the newest run is first), shown by its failure
    const message = page.locator(`${tree} .monaco-list-row`, { hasText: t.racy.failure }).first();
    await until('the failure\'s message in the Test Results tree', async () => {
      if (await message.isVisible().catch(() => false)) return { ok: true };
      const rows = page.locator(`${tree} .monaco-list-row[aria-expanded="false"]`);
      // the newest run first: expand what is folded until the message shows
      if (await rows.count()) await rows.first().locator('.monaco-tl-twistie').click().catch(() => {});
      const labels = await page.$$eval(`${tree} .monaco-list-row`, els => els.map(e => e.getAttribute('aria-label') || (e.textContent || '').slice(0, 80)));
      return { ok: false, labels };
    }, 30_000);
    const label = (await message.getAttribute('aria-label')) || (await message.textContent()) || '';
    await message.click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item .action-label', { hasText: /Debug this Schedule/i }).first();
    await item.waitFor({ state: 'visible', timeout: 15_000 });
    const menu = await page.$$eval('.monaco-menu .action-item .action-label', els => els.map(e => (e.textContent || '').trim()).filter(Boolean));
    // a menu item runs on Enter once hovered (a click on the label alone leaves code-server's menu open)
    await item.hover();
    await key('Enter');
    const state = await stoppedOnFailure();
    await shot('test-results-debug-schedule');
    return { row: label.slice(0, 200), menu, exception: state.exception };
  });
}

try {
  await check('workbench loads', async () => {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: timeoutMs });
    await page.waitForTimeout(1500);
  });

  if (plan.restricted) {
    await check('the workspace opens in Restricted Mode', async () => {
      const state = await until('Restricted Mode indicator', async () => {
        const text = await page.evaluate(() => document.querySelector('.monaco-workbench')?.innerText || '');
        return { ok: /Restricted Mode/i.test(text) };
      }, 30_000);
      return state;
    });
  }

  for (const file of plan.files ?? []) {
    const opened = await check(`${file.name}: opens as Aria`, async () => {
      await openFile(file.name);
      const state = await until('language mode Aria', async () => {
        const s = await editorState();
        return { ...s, ok: s.languageMode === 'Aria' };
      }, 20_000);
      return { languageMode: state.languageMode };
    });
    if (!opened) continue;

    if (file.status) {
      await check('status bar item reaches ready', async () => {
        const state = await until('Aria status item "ready"', async () => {
          const s = await editorState();
          return { ...s, ok: Boolean(s.ariaStatus && /ready$/.test(s.ariaStatus.label) && s.ariaStatus.icons.includes('codicon-check')) };
        });
        return state.ariaStatus;
      });
    }

    if (file.tokens) {
      await check(`${file.name}: TextMate highlighting gives tokens distinct colours`, async () => {
        // the editor renders, then tokenizes, in slices: wait until the sampled tokens are in the DOM, coloured apart
        const read = () => page.evaluate(sel => {
          const out = [];
          for (const line of document.querySelectorAll(`${sel} .view-lines .view-line`)) {
            for (const span of line.querySelectorAll('span > span')) {
              // the editor renders spaces as no-break spaces
              const text = (span.textContent || '').replace(/\u00a0/g, ' ').trim();
              if (text) out.push({ text, color: getComputedStyle(span).color, cls: span.className });
            }
          }
          const lines = document.querySelector(`${sel} .view-lines`);
          return { spans: out, plain: lines ? getComputedStyle(lines).color : '' };
        }, activeEditor);
        const found = ({ spans }) => {
          const colours = file.tokens.distinct.map(t => (spans.find(s => s.text === t) ?? spans.find(s => s.text.startsWith(t)))?.color);
          return colours.every(Boolean) && new Set(colours).size === colours.length;
        };
        const { spans, plain } = await until('the sampled tokens rendered in distinct colours', async () => {
          const r = await read();
          return { ...r, ok: found(r) };
        }, 15_000).catch(() => read());
        const colorOf = text => (spans.find(s => s.text === text) ?? spans.find(s => s.text.startsWith(text)))?.color;
        const distinct = new Set(spans.map(s => s.color));
        const sample = Object.fromEntries(file.tokens.distinct.map(t => [t, colorOf(t)]));
        const missing = file.tokens.distinct.filter(t => !sample[t]);
        if (missing.length) throw new Error(`tokens not found in the editor DOM: ${missing.join(', ')}`);
        const colours = new Set(Object.values(sample));
        if (colours.size !== file.tokens.distinct.length) throw new Error(`expected ${file.tokens.distinct.length} distinct colours, got ${JSON.stringify(sample)}`);
        const uncoloured = (file.tokens.coloured ?? []).filter(t => !colorOf(t) || colorOf(t) === plain);
        if (uncoloured.length) throw new Error(`no colour (editor foreground ${plain}) on: ${uncoloured.join(', ')}`);
        if (distinct.size < 4) throw new Error(`only ${distinct.size} colours in the editor`);
        return { colours: distinct.size, plain, sample };
      });
      await shot(`${file.name.replace(/\.aria$/, '')}-highlighting`);

      await check(`${file.name}: token inspector shows source.aria scopes`, async () => {
        await goTo(file.tokens.inspect.line, file.tokens.inspect.col);
        await runCommand('Developer: Inspect Editor Tokens and Scopes');
        await page.waitForSelector('.token-inspect-widget', { timeout: 10_000 });
        await page.waitForTimeout(500);
        const text = await page.$eval('.token-inspect-widget', e => e.innerText);
        await shot(`${file.name.replace(/\.aria$/, '')}-token-inspector`);
        await key('Escape');
        const want = new RegExp(file.tokens.inspect.scope);
        if (!text.includes('source.aria') || !want.test(text)) throw new Error(`inspector text lacks source.aria or /${file.tokens.inspect.scope}/: ${text.slice(0, 400)}`);
        return { scopes: text.split('\n').filter(l => /\.aria|source/.test(l)).slice(0, 6) };
      });
    }

    await check(`${file.name}: ${file.errors.length} error(s) as squiggles and in the status bar`, async () => {
      const state = await until('error squiggles', async () => {
        const s = await editorState();
        const m = /(\d+)\s*Errors?/i.exec(s.problems || '') || /Errors?:\s*(\d+)/i.exec(s.problems || '');
        return { ...s, errors: m ? Number(m[1]) : 0, ok: s.squiggles > 0 && (m ? Number(m[1]) : 0) >= file.minProblemErrors };
      });
      return { squiggles: state.squiggles, problems: state.problems, ariaStatus: state.ariaStatus?.text };
    }, { skip: file.errors.length === 0 ? file.errorsSkip : undefined });

    if (file.status && file.errors.length) {
      await check('status bar item counts the errors', async () => {
        // the item text is "Aria" plus "<n>" after an error icon once diagnostics arrived
        const state = await until('error count in the Aria item', async () => {
          const s = await editorState();
          const n = s.ariaStatus && s.ariaStatus.icons.includes('codicon-error') ? Number((/(\d+)/.exec(s.ariaStatus.text) || [])[1]) : 0;
          return { ...s, n, ok: n >= file.errors.length };
        }, 20_000);
        return { text: state.ariaStatus.text, icons: state.ariaStatus.icons };
      });
    }

    if (file.errors.length) {
      await check(`${file.name}: Problems panel lists the server's errors`, async () => {
        await key('Control+Shift+M');
        await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 15_000 });
        const rows = await until('problem rows', async () => {
          const labels = await page.$$eval('.markers-panel .monaco-list-row', els => els.map(e => e.getAttribute('aria-label') || e.textContent || ''));
          const missing = file.errors.filter(err => !labels.some(l => l.includes(err.message) && l.includes(`line ${err.line} `)));
          return { ok: missing.length === 0, labels, missing };
        }, 20_000);
        await shot(`${file.name.replace(/\.aria$/, '')}-problems`);
        await key('Control+Shift+M');
        return { rows: rows.labels };
      });
    }

    for (const [i, hover] of [file.hover, ...(file.hovers ?? [])].entries()) {
      if (!hover) continue;
      await check(`${file.name}: hover on ${hover.word} shows ${hover.expect}`, async () => {
        await goTo(hover.line, hover.col);
        let texts = [];
        for (let attempt = 0; attempt < 5; attempt++) {
          await key('Control+K');
          await key('Control+I');
          try {
            await page.waitForSelector('.monaco-hover:not(.hidden) .hover-contents', { state: 'visible', timeout: 3000 });
            texts = await page.$$eval('.monaco-hover:not(.hidden) .hover-contents', els => els.map(e => e.innerText.trim()).filter(Boolean));
            if (texts.some(t => t.includes(hover.expect))) break;
          } catch {}
          await key('Escape');
          await page.waitForTimeout(500);
        }
        await page.waitForTimeout(400);
        await shot(`${file.name.replace(/\.aria$/, '')}-hover${i === 0 ? '' : `-${hover.word}`}`);
        await key('Escape');
        if (!texts.some(t => t.includes(hover.expect))) throw new Error(`hover texts ${JSON.stringify(texts)} lack ${hover.expect}`);
        return { texts };
      }, { skip: hover.skip });
    }

    if (file.inlay) {
      // Inlay hints are injected text: the editor's rendered line reads with them (`total: Int = sum(xs)`).
      await check(`${file.name}: inlay hint shows ${file.inlay.expect}`, async () => {
        await goTo(file.inlay.line, 1);
        let lines = [];
        for (let attempt = 0; attempt < 10; attempt++) {
          lines = await page.$$eval('.monaco-editor .view-lines .view-line', els => els.map(e => e.innerText.replace(/\u00a0/g, ' ')));
          if (lines.some(l => l.includes(file.inlay.expect))) break;
          await page.waitForTimeout(500);
        }
        await shot(`${file.name.replace(/\.aria$/, '')}-inlay-hints`);
        if (!lines.some(l => l.includes(file.inlay.expect))) throw new Error(`no rendered line reads ${JSON.stringify(file.inlay.expect)}: ${JSON.stringify(lines.filter(l => l.trim()).slice(0, 30))}`);
        return { line: lines.find(l => l.includes(file.inlay.expect)) };
      });
    }

    if (file.explain) {
      await check(`${file.name}: Explain Effect lists the chain for ${file.explain.word}`, async () => {
        await goTo(file.explain.line, file.explain.col);
        await runCommand('Aria: Explain Effect');
        const state = await until('explain quick pick', async () => {
          const s = await page.evaluate(() => {
            const widget = document.querySelector('.quick-input-widget:not([style*="display: none"])');
            return {
              title: (widget?.querySelector('.quick-input-title')?.textContent || '').trim(),
              rows: [...(widget?.querySelectorAll('.quick-input-list .monaco-list-row') || [])].map(r => r.getAttribute('aria-label') || ''),
            };
          });
          return { ...s, ok: s.title.startsWith('Why ') && s.rows.length > 0 };
        }, 20_000);
        await shot(`${file.name.replace(/\.aria$/, '')}-explain-effect`);
        await closeQuickInput();
        if (!state.title.includes(file.explain.word)) throw new Error(`title ${state.title} does not name ${file.explain.word}`);
        return { title: state.title, rows: state.rows };
      }, { skip: file.explain.skip });
    }
  }

  if (plan.run) {
    await check(`the Run code lens runs ${plan.run.file} in a terminal`, async () => {
      await openFile(plan.run.file);
      // through the server's code lens above the program's entry (the palette's Run File is the same command)
      const lens = page.locator(`${activeEditor} .codelens-decoration a`, { hasText: 'Run' }).first();
      await lens.waitFor({ state: 'visible', timeout: 30_000 });
      await shot('run-code-lens');
      await lens.click();
      // terminal.integrated.gpuAcceleration is off (session settings), so xterm renders rows as DOM text
      const state = await until('terminal output', async () => {
        const s = await page.evaluate(() => {
          const panel = document.querySelector('.part.panel');
          const rows = [...(panel?.querySelectorAll('.xterm-rows > div') || [])].map(r => (r.textContent || '').replace(/\u00a0/g, ' ').trimEnd());
          return { panelText: (panel?.innerText || '').slice(0, 2000), rows: rows.filter(Boolean) };
        });
        // the terminal stays open after the program ends and says how it ended
        return { ...s, ok: s.panelText.includes(plan.run.title) && s.rows.some(r => r.includes(plan.run.expect)) && s.rows.some(r => r.includes(plan.run.exit)) };
      }, 30_000);
      await shot('run-terminal');
      return { title: plan.run.title, rows: state.rows.slice(-8) };
    });
  }

  if (plan.debug) {
    await check(`the Debug code lens debugs ${plan.debug.file} (output in the Debug Console)`, async () => {
      await openFile(plan.debug.file);
      // bring the entry line (where the lens sits) into view; the Run terminal may have shrunk the editor
      await goTo(plan.debug.line, 1);
      const lens = page.locator(`${activeEditor} .codelens-decoration a`, { hasText: 'Debug' }).first();
      await lens.waitFor({ state: 'visible', timeout: 30_000 });
      await lens.click();
      const state = await until('debug console output', async () => {
        const s = await page.evaluate(() => {
          const repl = document.querySelector('.repl');
          return { text: (repl?.innerText || '').replace(/\u00a0/g, ' ').slice(0, 3000) };
        });
        return { ...s, ok: s.text.includes(plan.debug.expect) };
      }, 60_000);
      await shot('debug-console');
      return { console: state.text.split('\n').slice(0, 10) };
    });
  }

  if (plan.tests) await testingChecks(plan.tests);

  if (plan.testRefusal) {
    // VS Code itself asks for trust before it runs a test in Restricted Mode; Cancel must run nothing
    await check('running tests in Restricted Mode asks for trust, and Cancel runs nothing', async () => {
      await showTests([plan.testRefusal.test]);
      await runCommand('Test: Run All Tests');
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'Running tests may execute code in your workspace' });
      await dialog.waitFor({ state: 'visible', timeout: 20_000 });
      await shot('restricted-test-trust');
      await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await page.waitForTimeout(3000);
      const procs = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter(l => l.includes('cli.js test'));
      const rows = await testRows();
      const row = rowOf(rows, plan.testRefusal.test);
      if (procs.length) throw new Error(`an aria test process ran: ${procs.join('; ')}`);
      if (!row || row.icons.some(i => /passed|failed/.test(i))) throw new Error(`the test ran: ${JSON.stringify(row)}`);
      return { row };
    });
  }

  for (const refusal of plan.refusals ?? []) {
    await check(`${refusal.command} refuses with a message`, async () => {
      await openFile(refusal.file);
      await runCommand('Notifications: Clear All Notifications');
      await page.waitForTimeout(300);
      await runCommand(refusal.command);
      const state = await until('refusal notification', async () => {
        const toasts = await page.$$eval('.notifications-toasts .notification-toast', els => els.map(e => e.innerText.replace(/\s+/g, ' ').trim()));
        return { toasts, ok: toasts.some(t => t.includes(refusal.expect)) };
      }, 20_000);
      await shot(`refused-${refusal.command.replace(/[^\w]+/g, '-').toLowerCase()}`);
      // and nothing was started
      await page.waitForTimeout(1500);
      const panelText = await page.evaluate(() => document.querySelector('.part.panel')?.innerText || '');
      if (refusal.forbidden && panelText.includes(refusal.forbidden)) throw new Error(`"${refusal.forbidden}" appeared although the command refused`);
      return { toasts: state.toasts };
    });
  }

  if (plan.commands) {
    await check('Aria commands are in the command palette', async () => {
      await openQuickInput(['F1']);
      await page.keyboard.type('Aria: ', { delay: 15 });
      await page.waitForTimeout(800);
      const labels = await page.$$eval('.quick-input-list .monaco-list-row', els => els.map(e => e.getAttribute('aria-label') || ''));
      await shot('command-palette');
      await closeQuickInput();
      const missing = plan.commands.filter(title => !labels.some(l => l.includes(title)));
      if (missing.length) throw new Error(`missing ${missing.join(', ')} in ${JSON.stringify(labels)}`);
      return { labels };
    });
  }

  if (plan.output) {
    await check('clicking the status item shows the server output', async () => {
      const item = page.locator('.statusbar-item[aria-label^="Aria language server"]').first();
      await item.click();
      const state = await until('output channel text', async () => {
        const s = await page.evaluate(() => {
          const panel = document.querySelector('.part.panel');
          const lines = [...(panel?.querySelectorAll('.monaco-editor .view-line') || [])].map(l => l.textContent || '');
          const select = panel?.querySelector('select.monaco-select-box, .monaco-select-box');
          return { lines, channel: select ? (select.value || select.textContent || '') : '' };
        });
        return { ...s, ok: s.lines.some(l => l.includes('Starting') && l.includes('server.js')) };
      }, 20_000);
      await shot('output-channel');
      return { lines: state.lines.slice(0, 5), channel: state.channel };
    });
  }
} catch (error) {
  checks.push({ name: 'driver', status: 'fail', detail: String(error).slice(0, 800) });
} finally {
  await shot('final');
  await close();
}

const result = { url, checks, screenshots, consoleErrors: consoleErrors.slice(0, 20), totalMs: Date.now() - t0 };
if (resultPath) fs.writeFileSync(resultPath, JSON.stringify(result, null, 2));
process.exit(checks.some(c => c.status === 'fail') ? 1 : 0);
