// Drives a debug session of the Aria extension in code-server (headless Chromium, playwright-core) and records checks as JSON.
//
//   VSCODE_URL=... node debug-driver.mjs --file scopes.aria --line 18 --out DIR
// Opens the file, sets a breakpoint with F9, starts the launch.json configuration with F5, waits for the stop, then reads
// the Tasks, Workers and Timers views and the Call Stack by their DOM rows, clicks a task row, opens the timeline
// webview and reads its SVG, and takes screenshots. Exit 0 when every check passed.
import fs from 'node:fs';
import path from 'node:path';
import { checkRecorder, launchBrowser, option, workbenchSteps } from '../e2e/workbench.mjs';
import { manyTasksCount } from '../support/many-tasks.mjs';

const file = option('file');
const line = Number(option('line'));
const typedLine = Number(option('typed-line'));
const stopLine = Number(option('stop-line'));
const lintsLine = Number(option('lints-line'));
const stepBackLine = Number(option('step-back-line'));
const scaleSizes = (option('scale') ?? '').split(',').filter(Boolean).map(Number);
const outDir = option('out');
const url = process.env.VSCODE_URL;
if (!url || !file || !line || !typedLine || !outDir) throw new Error('need VSCODE_URL, --file, --line, --typed-line and --out');
fs.mkdirSync(outDir, { recursive: true });
const timeoutMs = 90_000;

const t0 = Date.now();
const log = (...a) => console.error(`[debug-e2e +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const checks = [];
const data = {};

const { page, close } = await launchBrowser('aria-debug-e2e-chromium-', { width: 1600, height: 1000 });
const { key, until, openQuickInput, runCommand } = workbenchSteps(page, { timeoutMs, pollMs: 300 });

const record = checkRecorder({
  checks, log, detailLimit: 1500,
  onFail: name => page.screenshot({ path: path.join(outDir, `fail-${name.replace(/[^\w]+/g, '-').slice(0, 40)}.png`) }).catch(() => {}),
});
// ARIA_E2E_ONLY="workbench loads,Step Back": run only the checks whose names contain one of these (while working on one)
const only = (process.env.ARIA_E2E_ONLY ?? '').split(',').map(x => x.trim()).filter(Boolean);
const check = (name, fn, options = {}) =>
  record(name, fn, only.length > 0 && !only.some(o => name.includes(o)) ? { skip: `not in ARIA_E2E_ONLY` } : options);

/** The rows of a sidebar view (by its title): label, description and tree depth. */
async function viewRows(title) {
  return page.evaluate(t => {
    const panes = [...document.querySelectorAll('.pane')];
    const pane = panes.find(p => (p.querySelector('.pane-header .title')?.textContent ?? '').trim().toLowerCase() === t.toLowerCase());
    if (!pane) return { found: false, rows: [] };
    const header = pane.querySelector('.pane-header');
    const rows = [...pane.querySelectorAll('.pane-body .monaco-list-row')].map(r => ({
      label: (r.querySelector('.label-name')?.textContent ?? r.getAttribute('aria-label') ?? '').trim(),
      description: (r.querySelector('.label-description')?.textContent ?? '').trim(),
      level: Number(r.getAttribute('aria-level') ?? 0),
      selected: r.classList.contains('selected') || r.classList.contains('focused'),
      icon: [...(r.querySelector('.custom-view-tree-node-item-icon, .codicon')?.classList ?? [])].find(c => c.startsWith('codicon-')) ?? '',
    }));
    return { found: true, expanded: header?.getAttribute('aria-expanded') === 'true', rows };
  }, title);
}

/** Folds every expanded pane of the sidebar except these (a tree only renders the rows it has room for). */
async function foldAllBut(keep) {
  await page.evaluate(k => {
    for (const p of document.querySelectorAll('.pane')) {
      const title = p.querySelector('.pane-header .title')?.textContent?.trim() ?? '';
      const header = p.querySelector('.pane-header');
      if (!k.some(t => t.toLowerCase() === title.toLowerCase()) && header?.getAttribute('aria-expanded') === 'true') header.click();
    }
  }, keep);
  await page.waitForTimeout(400);
}

/** Focuses a view with its generated "Focus on ... View" command, which also expands it. */
async function focusView(title, keep = []) {
  await foldAllBut([title, ...keep]);
  // VS Code names it after the container: "Run and Debug: Focus on Tasks View"
  await runCommand(`Focus on ${title} View`);
  await page.waitForTimeout(600);
}

/** Opens a workspace file with Quick Open. */
async function openFile(name) {
  await page.click('.part.statusbar', { position: { x: 5, y: 5 } }).catch(() => {});
  await openQuickInput(['Control+P']);
  await page.keyboard.type(name, { delay: 20 });
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`, { timeout: 20_000 });
  await key('Enter');
  await page.waitForSelector(`.tabs-container .tab.active[aria-label*="${name}"]`, { timeout: 20_000 });
  await page.waitForTimeout(800);
}

/** Toggles a breakpoint with F9 on a line of the active editor. */
async function toggleBreakpoint(at) {
  // the active group's editor: with the timeline open the workbench has several groups
  const active = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  if (await active.count()) await active.click();
  else await page.click('.editor-instance .monaco-editor .view-lines');
  await openQuickInput(['Control+G']);
  await page.keyboard.type(String(at), { delay: 20 });
  await key('Enter');
  await page.waitForTimeout(300);
  await key('F9');
}

/** The rows of the Variables view: name, value, the type span (shown with debug.showVariableTypes) and any title. */
async function variableRows() {
  return page.evaluate(() => {
    const pane = [...document.querySelectorAll('.pane')].find(p => /^variables$/i.test(p.querySelector('.pane-header .title')?.textContent?.trim() ?? ''));
    return [...(pane?.querySelectorAll('.monaco-list-row') ?? [])].map(r => ({
      // the label reads `jobs =` (or `jobs: ` with debug.showVariableTypes)
      name: (r.querySelector('.name')?.textContent ?? '').trim().replace(/\s*[=:]$/, ''),
      value: (r.querySelector('.value')?.textContent ?? '').trim(),
      type: (r.querySelector('.type')?.textContent ?? '').trim(),
      title: r.querySelector('.name')?.getAttribute('title') ?? r.querySelector('.name [title]')?.getAttribute('title') ?? '',
      level: Number(r.getAttribute('aria-level') ?? 0),
    }));
  });
}

async function callStackRows() {
  return page.evaluate(() => {
    const pane = [...document.querySelectorAll('.pane')].find(p => /call stack/i.test(p.querySelector('.pane-header .title')?.textContent ?? ''));
    if (!pane) return [];
    return [...pane.querySelectorAll('.monaco-list-row')].map(r => ({
      text: (r.getAttribute('aria-label') ?? r.textContent ?? '').trim().replace(/\s+/g, ' '),
      selected: r.classList.contains('selected'),
      focused: r.classList.contains('focused'),
    }));
  });
}

/** What the timeline webview drew last (its canvas publishes lanes, runs by state and its window on its body). */
async function timelineInfo() {
  for (const f of page.frames()) {
    try {
      const info = await f.evaluate(() => {
        const d = document.body?.dataset;
        if (!d || d.lanes === undefined || !document.getElementById('plot')) return undefined;
        return {
          mode: d.mode, lanes: Number(d.lanes), visibleLanes: Number(d.visibleLanes), runs: Number(d.runs), states: JSON.parse(d.states || '{}'),
          pastNow: Number(d.pastNow), labels: JSON.parse(d.labels || '[]'), window: JSON.parse(d.window || '[]'), selected: Number(d.selected),
          events: Number(d.events), drawn: Number(d.drawn), arrows: Number(d.arrows ?? 0), header: document.getElementById('header')?.textContent ?? '',
        };
      });
      if (info) return info;
    } catch {
      // a frame that went away
    }
  }
  return undefined;
}

/** Presses keys in the timeline webview (focused by a click on its canvas). */
async function timelineKeys(keys) {
  for (const f of page.frames()) {
    const canvas = await f.$('#plot').catch(() => null);
    if (!canvas) continue;
    await canvas.click({ position: { x: 5, y: 5 } });
    for (const k of keys) await page.keyboard.press(k);
    return true;
  }
  return false;
}

let exitCode = 1;
try {
  await check('workbench loads', async () => {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
    await page.waitForSelector('.part.statusbar', { timeout: timeoutMs });
    await page.waitForTimeout(2000);
  });

  await check('opens the program', async () => {
    await openFile(file);
  });

  await check('sets a breakpoint with F9', async () => {
    await toggleBreakpoint(line);
    return until('breakpoint glyph', async () => {
      const n = await page.evaluate(() => document.querySelectorAll('.codicon-debug-breakpoint, .debug-breakpoint-glyph, [class*="codicon-debug-breakpoint"]').length);
      return { ok: n > 0, glyphs: n };
    }, 10_000);
  });

  await check('F5 starts the Aria debugger and stops at the breakpoint', async () => {
    await key('F5');
    return until('the stop', async () => {
      const s = await page.evaluate(() => ({
        toolbar: !!document.querySelector('.debug-toolbar'),
        topFrame: document.querySelectorAll('.debug-top-stack-frame, .debug-top-stack-frame-line').length,
        paused: /Paused on breakpoint/i.test(document.body.innerText),
      }));
      return { ok: s.toolbar && s.paused, ...s };
    });
  });

  await page.keyboard.press('Control+Shift+D');
  await page.waitForTimeout(800);
  // a wider sidebar, so the rows' descriptions show whole (drag the sash between the sidebar and the editor)
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (sidebar) {
    const x = sidebar.x + sidebar.width;
    await page.mouse.move(x, sidebar.y + 300);
    await page.mouse.down();
    await page.mouse.move(x + 260, sidebar.y + 300, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(400);
  }
  // make room for the Aria views: fold the built-in Variables, Watch and Breakpoints panes
  await page.evaluate(() => {
    for (const p of document.querySelectorAll('.pane')) {
      const title = p.querySelector('.pane-header .title')?.textContent?.trim() ?? '';
      const header = p.querySelector('.pane-header');
      if (/^(Variables|Watch|Breakpoints|Loaded Scripts)$/i.test(title) && header?.getAttribute('aria-expanded') === 'true') header.click();
    }
  });
  await page.waitForTimeout(500);

  data.tasksAtOnce = await check('the Tasks view shows its rows as soon as it is first expanded', async () => {
    // VS Code lays a newly expanded tree out by itself only 2 s later; the extension makes it do so at once
    const header = () => page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => p.querySelector('.pane-header .title')?.textContent?.trim() === 'Tasks');
      return pane?.querySelector('.pane-header')?.getAttribute('aria-expanded');
    });
    if ((await header()) === 'true') throw new Error('the Tasks view was expanded before the first stop: the check needs it folded');
    const started = Date.now();
    await page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => p.querySelector('.pane-header .title')?.textContent?.trim() === 'Tasks');
      pane.querySelector('.pane-header').click();
    });
    const seen = await until('task rows after expanding', async () => {
      const r = await viewRows('Tasks');
      return { ok: r.rows.length > 0, rows: r.rows.length, ms: Date.now() - started };
    }, 5_000);
    if (seen.ms > 1_200) throw new Error(`the rows showed ${seen.ms} ms after the view was expanded (VS Code's own delay is 2,000 ms)`);
    return seen;
  });

  data.tasks = await check('Tasks view shows the spawn tree with states, workers and waits', async () => {
    await focusView('Tasks');
    const v = await until('task rows', async () => {
      const r = await viewRows('Tasks');
      return { ok: r.found && r.rows.some(x => x.label === '#5 child'), ...r };
    }, 20_000);
    const labels = v.rows.map(r => r.label);
    for (const want of ['#1 main', '#2 parent', '#3 child', '#4 child', '#5 child']) if (!labels.includes(want)) throw new Error(`no row ${want}: ${JSON.stringify(v.rows)}`);
    const scopeRow = v.rows.find(r => /^scope #\d+$/.test(r.label));
    if (!scopeRow) throw new Error(`no scope group row: ${JSON.stringify(v.rows)}`);
    const main = v.rows.find(r => r.label === '#1 main');
    // main runs on the block_on thread, off the workers (as under Tokio's `#[tokio::main]`)
    if (!/running/.test(main.description) || !/on block_on thread/.test(main.description)) throw new Error(`main row: ${JSON.stringify(main)}`);
    const c3 = v.rows.find(r => r.label === '#3 child');
    // sleeps set a few µs in round their deadlines up (as Tokio's): 300 ms ends at 301 ms
    if (!/waits on sleep until 301 ms/.test(c3.description)) throw new Error(`#3 row: ${JSON.stringify(c3)}`);
    const depth = Object.fromEntries(v.rows.map(r => [r.label, r.level]));
    if (!(depth['#2 parent'] === depth['#1 main'] + 1 && depth['#4 child'] === depth['#2 parent'] + 2)) throw new Error(`nesting: ${JSON.stringify(depth)}`);
    return { rows: v.rows };
  });

  data.workers = await check('Workers view shows current task, queues, LIFO slot and counters', async () => {
    await focusView('Workers');
    const v = await until('worker rows', async () => {
      const r = await viewRows('Workers');
      return { ok: r.found && r.rows.filter(x => /^worker \d$/.test(x.label)).length === 2, ...r };
    }, 20_000);
    const workers = v.rows.filter(r => /^worker \d$/.test(r.label));
    if (workers.some(w => /#1 main/.test(w.description))) throw new Error(`a worker runs main: ${JSON.stringify(workers)}`);
    const blockOn = v.rows.find(r => r.label === 'block_on thread');
    if (!blockOn || !/running #1 main/.test(blockOn.description)) throw new Error(`no block_on thread row running main: ${JSON.stringify(v.rows)}`);
    for (const w of workers) if (!/queue \d+/.test(w.description)) throw new Error(`worker row: ${JSON.stringify(w)}`);
    const labels = v.rows.map(r => r.label);
    for (const want of ['LIFO slot', 'local queue', 'counters', 'global queue']) {
      if (!labels.some(l => l.startsWith(want))) throw new Error(`no ${want} row: ${JSON.stringify(labels)}`);
    }
    const counters = v.rows.find(r => r.label === 'counters');
    if (!/polls \d+ · steals \d+ \(\d+ ops\) · parks \d+/.test(counters.description)) throw new Error(`counters: ${JSON.stringify(counters)}`);
    return { rows: v.rows };
  });

  data.timers = await check('Timers view shows the clock and pending timers with owners, level and slot', async () => {
    await focusView('Timers');
    const v = await until('timer rows', async () => {
      const r = await viewRows('Timers');
      return { ok: r.found && r.rows.filter(x => /^\d+ ms$/.test(x.label)).length >= 3, ...r };
    }, 20_000);
    const [clock] = v.rows;
    // grouped by wheel level, the level with the next deadline first: the timer rows in deadline order
    const timers = v.rows.filter(r => /^\d+ ms$/.test(r.label));
    if (!v.rows.some(r => /^wheel level \d$/.test(r.label))) throw new Error(`no wheel level group: ${JSON.stringify(v.rows)}`);
    if (!/^clock 51(\.\d+)? ms$/.test(clock.label)) throw new Error(`clock row: ${JSON.stringify(clock)}`);
    const labels = timers.map(t => t.label);
    if (JSON.stringify(labels) !== JSON.stringify(['101 ms', '201 ms', '301 ms'])) throw new Error(`timer rows: ${JSON.stringify(timers)}`);
    const owners = timers.map(t => /#(\d) child/.exec(t.description)?.[1]);
    if (JSON.stringify(owners) !== JSON.stringify(['4', '5', '3'])) throw new Error(`owners: ${JSON.stringify(timers)}`);
    for (const t of timers) if (!/sleep · #\d child · level \d, slot \d+/.test(t.description)) throw new Error(`timer row: ${JSON.stringify(t)}`);
    return { rows: v.rows };
  });

  // all three views open together for the picture
  await foldAllBut(['Tasks', 'Workers', 'Timers']);
  for (const t of ['Workers', 'Timers', 'Tasks']) await runCommand(`Focus on ${t} View`);
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(outDir, 'debug-views.png') });

  data.focus = await check('selecting a task focuses its thread in the Call Stack', async () => {
    await focusView('Tasks', ['Call Stack']);
    await page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => /call stack/i.test(p.querySelector('.pane-header .title')?.textContent ?? ''));
      const header = pane?.querySelector('.pane-header');
      if (header?.getAttribute('aria-expanded') !== 'true') header?.click();
    });
    await page.waitForTimeout(500);
    const row = page.locator('.pane .monaco-list-row', { has: page.locator('.label-name', { hasText: /^#4 child$/ }) }).first();
    await row.click();
    return until('thread #4 focused', async () => {
      const rows = await callStackRows();
      const i = rows.findIndex(r => /#4 child/.test(r.text));
      const focusedBelow = i >= 0 && rows.slice(i + 1).some(r => (r.selected || r.focused) && /child/.test(r.text));
      return { ok: focusedBelow || (i >= 0 && (rows[i].selected || rows[i].focused)), rows };
    }, 15_000);
  });

  data.timeline = await check('the timeline webview draws task lanes and state spans, nothing past now', async () => {
    await runCommand('Aria: Show Timeline');
    const found = await until('the timeline canvas drawn', async () => {
      const info = await timelineInfo();
      return { ok: !!info && info.lanes > 0 && info.runs > 0, ...info };
    }, 30_000);
    // scopes.aria at 51 ms (its 50 ms sleep rounded up): main runs, parent waits on its scope, the three children sleep
    for (const want of ['#1 main', '#2 parent', '#3 child', '#4 child', '#5 child']) if (!found.labels.includes(want)) throw new Error(`no lane ${want}: ${JSON.stringify(found.labels)}`);
    for (const st of ['running', 'sleeping', 'blocked']) if (!found.states[st]) throw new Error(`no ${st} span drawn: ${JSON.stringify(found.states)}`);
    if (found.pastNow !== 0) throw new Error(`${found.pastNow} runs drawn past now`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(outDir, 'timeline.png') });
    return found;
  });

  data.timelineSync = await check('selection syncs: a lane clicked in the timeline focuses the Call Stack, a Tasks row the lane', async () => {
    const info = await timelineInfo();
    const lane = info.labels.indexOf('#5 child');
    if (lane < 0) throw new Error(`no #5 child lane: ${JSON.stringify(info.labels)}`);
    let clicked = false;
    for (const f of page.frames()) {
      const canvas = await f.$('#plot').catch(() => null);
      if (!canvas) continue;
      // the label of the lane (26 px of axis, 18 px per lane)
      await canvas.click({ position: { x: 40, y: 26 + lane * 18 + 9 } });
      clicked = true;
      break;
    }
    if (!clicked) throw new Error('no timeline canvas');
    const stack = await until('thread #5 focused in the Call Stack', async () => {
      const rows = await callStackRows();
      const i = rows.findIndex(r => /#5 child/.test(r.text));
      const focusedBelow = i >= 0 && rows.slice(i + 1).some(r => (r.selected || r.focused) && /child/.test(r.text));
      return { ok: (await timelineInfo()).selected === 5 && (focusedBelow || (i >= 0 && (rows[i].selected || rows[i].focused))), rows };
    }, 15_000);
    // and back: a row of the Tasks view selects its lane
    await focusView('Tasks', ['Call Stack']);
    await page.locator('.pane .monaco-list-row', { has: page.locator('.label-name', { hasText: /^#3 child$/ }) }).first().click();
    const back = await until('the timeline selects #3', async () => {
      const i = await timelineInfo();
      return { ok: i?.selected === 3, selected: i?.selected };
    }, 15_000);
    return { stack: stack.rows, back };
  });

  await check('stopping the session with the timeline open ends cleanly, the views without an error', async () => {
    await key('Shift+F5');
    await until('no debug toolbar', async () => {
      const toolbar = await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])'));
      return { ok: !toolbar };
    }, 20_000);
    // the views keep the last state; before the fix they said "Could not read the runtime state: custom request failed"
    await page.waitForTimeout(1500);
    const text = await page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => p.querySelector('.pane-header .title')?.textContent?.trim() === 'Tasks');
      return pane?.querySelector('.pane-body')?.innerText ?? '';
    });
    if (/Could not read/.test(text)) throw new Error(`the Tasks view shows an error: ${text.slice(0, 300)}`);
    if (!/#1 main/.test(text)) throw new Error(`the Tasks view lost its last state: ${text.slice(0, 300)}`);
    return { text: text.slice(0, 200) };
  });

  data.failure = await check('a failed task that ended can be selected: its frame and locals where it failed', async () => {
    await runCommand('Debug: Select and Start Debugging');
    await page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="Debug failure.aria"]', { timeout: 20_000 });
    await page.keyboard.type('Debug failure.aria', { delay: 20 });
    await page.waitForTimeout(300);
    await key('Enter');
    // the uncaught failure stops main at its `.await`; the task that panicked has ended
    await until('the stop on the uncaught failure', async () => {
      const rows = await callStackRows();
      return { ok: rows.some(r => /main/.test(r.text)), rows };
    }, 30_000);
    await focusView('Tasks', ['Call Stack', 'Variables']);
    const row = page.locator('.pane .monaco-list-row', { has: page.locator('.label-name', { hasText: /^#2 boom$/ }) }).first();
    await row.click();
    await page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => /^variables$/i.test(p.querySelector('.pane-header .title')?.textContent?.trim() ?? ''));
      const header = pane?.querySelector('.pane-header');
      if (header?.getAttribute('aria-expanded') !== 'true') header?.click();
    });
    const v = await until('boom\'s frame and its locals', async () => {
      const variables = await page.evaluate(() => {
        const pane = [...document.querySelectorAll('.pane')].find(p => /^variables$/i.test(p.querySelector('.pane-header .title')?.textContent?.trim() ?? ''));
        return [...(pane?.querySelectorAll('.monaco-list-row') ?? [])].map(r => (r.getAttribute('aria-label') ?? r.textContent ?? '').trim().replace(/\s+/g, ' '));
      });
      const stack = (await callStackRows()).map(r => r.text);
      return { ok: stack.some(r => /boom/.test(r)) && variables.some(r => /\bn\b.*\b5\b/.test(r)), stack, variables };
    }, 20_000);
    await page.screenshot({ path: path.join(outDir, 'failure-locals.png') });
    await key('Shift+F5');
    return v;
  });
  data.types = await check('the Variables view shows each variable\'s static type on hover of its name', async () => {
    await openFile('typed.aria');
    await toggleBreakpoint(typedLine);
    await until('a breakpoint glyph in typed.aria', async () => {
      const n = await page.evaluate(() => document.querySelectorAll('.editor-group-container.active [class*="codicon-debug-breakpoint"]').length);
      return { ok: n > 0, glyphs: n };
    }, 10_000);
    await runCommand('Debug: Select and Start Debugging');
    await page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="Debug typed.aria"]', { timeout: 20_000 });
    await page.keyboard.type('Debug typed.aria', { delay: 20 });
    await page.waitForTimeout(300);
    await key('Enter');
    await until('the stop in main', async () => {
      const rows = await callStackRows();
      return { ok: /Paused on breakpoint/i.test(await page.evaluate(() => document.body.innerText)) && rows.some(r => /main/.test(r.text)), rows };
    }, 30_000);
    await focusView('Variables');
    const v = await until('main\'s locals', async () => {
      const rows = await variableRows();
      return { ok: ['jobs', 'found', 'add'].every(n => rows.some(r => r.name === n)), rows };
    }, 20_000);
    // VS Code renders Variable.type as the hover of the variable's name (or after it, with debug.showVariableTypes).
    const name = page.locator('.pane .monaco-list-row .name', { hasText: /^jobs\b/ }).first();
    await name.hover();
    const hover = await until('the hover with the type', async () => {
      const texts = await page.evaluate(() => [...document.querySelectorAll('.workbench-hover, .monaco-hover, .hover-contents, [role="tooltip"]')]
        .filter(e => e.offsetParent !== null).map(e => e.textContent?.trim() ?? ''));
      return { ok: texts.some(t => t.includes('List[Job]')), texts };
    }, 15_000);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(outDir, 'variable-types.png') });
    await page.mouse.move(5, 5);
    await key('Shift+F5');
    return { rows: v.rows, hover: hover.texts };
  });

  data.stepBack = await check('Step Back returns to the line before, with the variable\'s earlier value', async () => {
    await openFile('step-back.aria');
    await toggleBreakpoint(stepBackLine);
    await runCommand('Debug: Select and Start Debugging');
    await page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="Debug step-back.aria"]', { timeout: 20_000 });
    await page.keyboard.type('Debug step-back.aria', { delay: 20 });
    await page.waitForTimeout(300);
    await key('Enter');
    await until('the stop in step-back.aria', async () => ({ ok: (await page.evaluate(() => document.querySelectorAll('.debug-top-stack-frame-line').length)) > 0 }), 60_000);
    await focusView('Variables', ['Call Stack']);
    await page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => /call stack/i.test(p.querySelector('.pane-header .title')?.textContent ?? ''));
      const header = pane?.querySelector('.pane-header');
      if (header?.getAttribute('aria-expanded') !== 'true') header?.click();
    });
    /** The top frame's line (from the Call Stack row) and the value of `n` in the Variables view. */
    const where = async () => {
      const stack = (await callStackRows()).map(r => r.text);
      const top = stack.find(r => /step-back\.aria/.test(r)) ?? '';
      // the row reads "Stack Frame main, line 5, step-back.aria"
      const at = /\bline (\d+)/.exec(top);
      const n = (await variableRows()).find(r => r.name === 'n');
      return { line: at ? Number(at[1]) : -1, n: n?.value, stack, paused: await page.evaluate(() => /Paused on (breakpoint|step)/i.exec(document.body.innerText)?.[0] ?? '') };
    };
    const atStop = await until('the breakpoint line and n = 10', async () => {
      const w = await where();
      return { ok: w.line === stepBackLine && w.n === '10', ...w };
    }, 20_000);
    // the Step Back button of the debug toolbar (the command workbench.action.debug.stepBack)
    const button = page.locator('.debug-toolbar .action-label.codicon-debug-step-back').first();
    const usedButton = (await button.count()) > 0;
    if (usedButton) await button.click();
    else await runCommand('Debug: Step Back');
    const back = await until('one line up, n = 1', async () => {
      const w = await where();
      return { ok: w.line === stepBackLine - 1 && w.n === '1', ...w };
    }, 20_000);
    // the editor marks the stopped line
    const marked = await page.evaluate(() => document.querySelectorAll('.debug-top-stack-frame-line, .debug-top-stack-frame').length);
    if (marked === 0) throw new Error('no top-stack-frame decoration in the editor after stepping back');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(outDir, 'step-back.png') });
    await key('Shift+F5');
    await until('the session ended', async () => ({ ok: !(await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])'))) }), 30_000);
    return { atStop, back, usedButton };
  });

  data.deadlock = await check('a deadlock stops before the teardown: the Tasks view names the cycle and what each task waits on', async () => {
    await openFile('deadlock-cycle.aria');
    await runCommand('Debug: Select and Start Debugging');
    await page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="Debug deadlock-cycle.aria"]', { timeout: 20_000 });
    await page.keyboard.type('Debug deadlock-cycle.aria', { delay: 20 });
    await page.waitForTimeout(300);
    await key('Enter');
    await until('the exception stop', async () => ({ ok: (await page.evaluate(() => document.querySelectorAll('.debug-top-stack-frame-line').length)) > 0 }), 60_000);
    await foldAllBut(['Tasks', 'Call Stack']);
    await page.evaluate(() => {
      for (const p of document.querySelectorAll('.pane')) {
        const title = p.querySelector('.pane-header .title')?.textContent?.trim() ?? '';
        const header = p.querySelector('.pane-header');
        if (/^(Tasks|Call Stack)$/i.test(title) && header?.getAttribute('aria-expanded') !== 'true') header?.click();
      }
    });
    const v = await until('the deadlock row and the blocked tasks', async () => {
      const r = await viewRows('Tasks');
      const cycle = r.rows.find(x => x.label === 'deadlock');
      const relays = r.rows.filter(x => /^#[23] relay$/.test(x.label) && /waits on a value from channel #[01]/.test(x.description));
      return { ok: !!cycle && cycle.description === '#2 relay → #3 relay → #2 relay' && relays.length >= 2, rows: r.rows };
    }, 20_000);
    // nothing was cancelled: every task still waits
    if (v.rows.some(x => /cancelled/.test(x.description))) throw new Error(`a task was cancelled at the stop: ${JSON.stringify(v.rows)}`);
    const exception = await page.evaluate(() => document.querySelector('.zone-widget .exception-widget, .exception-widget')?.textContent ?? '');
    if (!/deadlock: tasks wait on each other \(#2 relay → #3 relay → #2 relay\)/.test(exception)) throw new Error(`the exception widget: ${exception.slice(0, 300)}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(outDir, 'deadlock.png') });
    await key('Shift+F5');
    await until('the session ended', async () => ({ ok: !(await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])'))) }), 30_000);
    return { rows: v.rows, exception: exception.slice(0, 300) };
  });

  data.lints = await check('runtime lints (a task that never yields, a lost failure) in the Tasks view and as Problems at the spawn site', async () => {
    await openFile('lints.aria');
    await toggleBreakpoint(lintsLine);
    await runCommand('Debug: Select and Start Debugging');
    await page.waitForSelector('.quick-input-list .monaco-list-row[aria-label*="Debug lints.aria"]', { timeout: 20_000 });
    await page.keyboard.type('Debug lints.aria', { delay: 20 });
    await page.waitForTimeout(300);
    await key('Enter');
    await until('the stop in lints.aria', async () => ({ ok: /Paused on breakpoint/i.test(await page.evaluate(() => document.body.innerText)) }), 60_000);
    // the Tasks pane by its header (no typing: the editor may hold the focus after a start from the palette)
    await foldAllBut(['Tasks']);
    await page.evaluate(() => {
      const pane = [...document.querySelectorAll('.pane')].find(p => p.querySelector('.pane-header .title')?.textContent?.trim() === 'Tasks');
      const header = pane?.querySelector('.pane-header');
      if (header?.getAttribute('aria-expanded') !== 'true') header?.click();
    });
    const tasks = await until('the warning in the Tasks view', async () => {
      const r = await viewRows('Tasks');
      const crunch = r.rows.find(x => /^#\d+ crunch$/.test(x.label));
      return { ok: !!crunch && /^⚠ never yields/.test(crunch.description), rows: r.rows };
    }, 20_000);
    await key('Control+Shift+M');
    const problems = await until('the Problems rows', async () => {
      const rows = await page.evaluate(() => [...document.querySelectorAll('.markers-panel .monaco-list-row')].map(r => (r.getAttribute('aria-label') ?? r.textContent ?? '').replace(/\s+/g, ' ').trim()));
      const long = rows.find(r => /crunch: never yielded: it ran \d+\.\d+ ms in its one poll/.test(r));
      const lost = rows.find(r => /boom: failed and nobody awaited it: too big/.test(r));
      return { ok: !!long && !!lost, rows };
    }, 20_000);
    await page.screenshot({ path: path.join(outDir, 'lints.png') });
    // hide the panel again: the next checks open files with Quick Open
    await key('Escape');
    await key('Control+J');
    await page.waitForTimeout(300);
    await key('Shift+F5');
    await until('the session ended', async () => ({ ok: !(await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])'))) }), 30_000);
    return { tasks: tasks.rows.slice(0, 6), problems: problems.rows };
  });

  // The timeline at scale: programs of about 10, 1,000 and 10,000 tasks, stopped at main's last line.
  for (const n of scaleSizes) {
    data[`scale${n}`] = await check(`the timeline at ${n.toLocaleString('en-US')} tasks: lanes and spans render, readable`, async () => {
      const file = `many-${n}.aria`;
      // Quick Open now and then loses its keys to the panel that had the focus: try twice
      await openFile(file).catch(async () => {
        await key('Escape');
        await openFile(file);
      });
      await toggleBreakpoint(stopLine);
      await runCommand('Debug: Select and Start Debugging');
      await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="Debug ${file}"]`, { timeout: 20_000 });
      await page.keyboard.type(`Debug ${file}`, { delay: 20 });
      await page.waitForTimeout(300);
      await key('Enter');
      await until(`the stop in ${file}`, async () => ({ ok: /Paused on breakpoint/i.test(await page.evaluate(() => document.body.innerText)) }), 120_000);
      // the panel stays open from the sessions before; it shows each new session's stops
      if (!(await timelineInfo())) await runCommand('Aria: Show Timeline');
      // the panel shows the last session's recording until this stop's arrives: wait for a stopped header with
      // exactly this program's task count (the lints session before it also has about 10 tasks, one failed)
      const expected = manyTasksCount(n);
      const info = await until('the timeline of this stop', async () => {
        const i = await timelineInfo();
        const tasks = Number((/^([\d,]+) tasks/.exec(i?.header ?? '')?.[1] ?? '0').replace(/,/g, ''));
        return { ok: !!i && tasks === expected && /stopped \(/.test(i.header) && i.runs > 0, tasks, ...i };
      }, 60_000);
      if (info.pastNow !== 0) throw new Error(`${info.pastNow} runs drawn past now`);
      for (const st of ['running', 'ready', 'blocked']) if (!info.states[st]) throw new Error(`no ${st} span drawn: ${JSON.stringify(info.states)}`);
      // readable: the spawn tree folds siblings that share a name, so the lanes fit on the screen
      if (n >= 1000 && info.lanes > 60) throw new Error(`${info.lanes} lanes by default at ${n} tasks`);
      // the whole editor area for the picture
      await page.click('.tab[aria-label*="Aria Timeline"]').catch(() => {});
      await key('Control+K');
      await key('Control+M');
      await page.waitForTimeout(1500);
      await page.screenshot({ path: path.join(outDir, `timeline-${n}.png`) });
      let workers;
      if (n === 1000) {
        // zoom in with the keyboard, then one lane per worker
        await timelineKeys(['w', 'w', 'w']);
        await page.waitForTimeout(500);
        const zoomed = await timelineInfo();
        if (!(zoomed.window[1] - zoomed.window[0] < (info.window[1] - info.window[0]) * 0.5)) throw new Error(`W did not zoom in: ${JSON.stringify([info.window, zoomed.window])}`);
        await page.screenshot({ path: path.join(outDir, 'timeline-1000-zoomed.png') });
        await timelineKeys(['f', 't']);
        await page.waitForTimeout(500);
        workers = await timelineInfo();
        if (workers.mode !== 'workers' || !workers.labels.includes('worker 0')) throw new Error(`workers mode: ${JSON.stringify(workers)}`);
        await page.screenshot({ path: path.join(outDir, 'timeline-1000-workers.png') });
        await timelineKeys(['t']);
      }
      await key('Control+K');
      await key('Control+M');
      await key('Shift+F5');
      await until('the session ended', async () => ({ ok: !(await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])'))) }), 30_000);
      return { ...info, labels: info.labels.slice(0, 12), workers: workers && { lanes: workers.lanes, states: workers.states } };
    }).finally(async () => {
      // a failed check leaves its session stopped: end it, so that the next size starts alone
      if (await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])')).catch(() => false)) {
        await key('Escape');
        await key('Shift+F5');
        await until('the session ended', async () => ({ ok: !(await page.evaluate(() => !!document.querySelector('.debug-toolbar:not([style*="display: none"])'))) }), 30_000).catch(() => {});
      }
    });
  }

  exitCode = checks.every(c => c.status === 'pass') ? 0 : 1;
} finally {
  fs.writeFileSync(path.join(outDir, 'result.json'), `${JSON.stringify({ checks, data }, null, 2)}\n`);
  await close();
}
log(`${checks.filter(c => c.status === 'pass').length} passed, ${checks.filter(c => c.status !== 'pass').length} failed`);
process.exit(exitCode);
