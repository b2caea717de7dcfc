// The debug views' glue without VS Code: refresh on aria/runtimeChanged, stale replies, launch configurations, the timeline page.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBUG_COMMANDS, TASKS_VIEW, TIMERS_VIEW, WORKERS_VIEW } from '../../client/debug/commands.js';
import { INITIAL_CONFIGURATIONS, resolveAriaConfiguration } from '../../client/debug/configuration.js';
import { dataMessage, isWebviewMessage, timelineHtml } from '../../client/debug/timeline-html.js';
import { DebugViewsState, type Requester } from '../../client/debug/views-state.js';
import { readLaunchConfig } from '../../debug/launch-config.js';
import { sampleState, sampleTimeline } from './fixtures.js';

function fakeSession(answers: Record<string, unknown>, delays: Record<string, number> = {}): { request: Requester; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    request: async command => {
      calls.push(command);
      await new Promise(r => setTimeout(r, delays[command] ?? 0));
      if (!(command in answers)) throw new Error(`no answer for ${command}`);
      return answers[command];
    },
  };
}

const changed = (running = true) => ({ reason: 'breakpoint', step: 42, clockMs: 100, focusTask: 3, liveTasks: 5, running });

describe('DebugViewsState', () => {
  it('asks for the runtime state at every aria/runtimeChanged, and the timeline only when it is shown', async () => {
    const views = new DebugViewsState();
    const seen: unknown[] = [];
    views.onChange(s => seen.push(s.state?.step));
    const s = fakeSession({ 'aria/runtimeState': sampleState(), 'aria/timeline': sampleTimeline() });
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), s.request);
    expect(s.calls).toEqual(['aria/runtimeState']);
    expect(views.snapshot).toMatchObject({ sessionId: 's1', ended: false });
    expect(views.snapshot.timeline).toBeUndefined();
    views.timelineWanted = true;
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), s.request);
    expect(s.calls).toEqual(['aria/runtimeState', 'aria/runtimeState', 'aria/timeline']);
    expect(views.snapshot.timeline?.polls).toHaveLength(3);
    expect(seen).toEqual([42, 42]);
  });

  it('ignores other events and marks the end of a run', async () => {
    const views = new DebugViewsState();
    const s = fakeSession({ 'aria/runtimeState': sampleState() });
    await views.onCustomEvent('s1', 'somethingElse', {}, s.request);
    expect(s.calls).toEqual([]);
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(false), s.request);
    expect(views.snapshot.ended).toBe(true);
    views.sessionEnded('other');
    expect(views.snapshot.sessionId).toBe('s1');
    views.clear();
    expect(views.snapshot.state).toBeUndefined();
  });

  it('drops a slow reply that a newer stop overtook', async () => {
    const views = new DebugViewsState();
    const old = { ...sampleState(), step: 1 };
    const slow = fakeSession({ 'aria/runtimeState': old }, { 'aria/runtimeState': 40 });
    const fast = fakeSession({ 'aria/runtimeState': { ...sampleState(), step: 2 } });
    const first = views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), slow.request);
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), fast.request);
    await first;
    expect(views.snapshot.state?.step).toBe(2);
  });

  it('after Shift+F5 with the timeline open, keeps the last state without an error', async () => {
    // VS Code drops the session right after `terminated`: the requests of the last refresh fail as below
    const views = new DebugViewsState();
    views.timelineWanted = true;
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), fakeSession({ 'aria/runtimeState': sampleState(), 'aria/timeline': sampleTimeline() }).request);
    const gone: Requester = async command => {
      throw new Error(command === 'aria/timeline' ? 'custom request failed' : 'debug session not found');
    };
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(false), gone);
    expect(views.snapshot.error).toBeUndefined();
    expect(views.snapshot).toMatchObject({ sessionId: 's1', ended: true });
    expect(views.snapshot.state?.step).toBe(42);
    expect(views.snapshot.timeline?.polls).toHaveLength(3);
    // the state answered but the timeline did not: the new state shows, the old timeline stays
    const half = fakeSession({ 'aria/runtimeState': { ...sampleState(), step: 43 } });
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(false), half.request);
    expect(views.snapshot.error).toBeUndefined();
    expect(views.snapshot.state?.step).toBe(43);
    expect(views.snapshot.timeline?.polls).toHaveLength(3);
  });

  it('forgets an error that the session teardown caused once the session has ended', async () => {
    const views = new DebugViewsState();
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), fakeSession({ 'aria/runtimeState': sampleState() }).request);
    await views.refresh('s1', fakeSession({}).request);
    expect(views.snapshot.error).toMatch(/no answer/);
    views.sessionEnded('s1');
    expect(views.snapshot.error).toBeUndefined();
    expect(views.snapshot.state?.step).toBe(42);
  });

  it('keeps the last state and reports the error when the adapter refuses', async () => {
    const views = new DebugViewsState();
    await views.onCustomEvent('s1', 'aria/runtimeChanged', changed(), fakeSession({ 'aria/runtimeState': sampleState() }).request);
    await views.refresh('s1', fakeSession({}).request);
    expect(views.snapshot.state?.step).toBe(42);
    expect(views.snapshot.error).toMatch(/no answer/);
  });
});

describe('launch configurations', () => {
  it('debugs the active Aria file on F5 without a launch.json', () => {
    expect(resolveAriaConfiguration({}, '/w/app.aria')).toEqual({
      ok: true, config: { type: 'aria', request: 'launch', name: 'Debug app.aria', program: '/w/app.aria' },
    });
    expect(resolveAriaConfiguration({}, undefined)).toMatchObject({ ok: false });
  });
  it('fills a missing program from the active file and refuses attach', () => {
    const r = resolveAriaConfiguration({ type: 'aria', request: 'launch', name: 'x', seed: 3 }, '/w/a.aria');
    expect(r).toMatchObject({ ok: true, config: { program: '/w/a.aria', seed: 3 } });
    expect(resolveAriaConfiguration({ type: 'aria', request: 'attach', name: 'x' }, '/w/a.aria')).toMatchObject({ ok: false });
    expect(resolveAriaConfiguration({ type: 'aria', request: 'launch', name: 'x' }, undefined)).toMatchObject({ ok: false });
  });
  it('leaves the program of a replay to the replay file', () => {
    const r = resolveAriaConfiguration({ type: 'aria', request: 'launch', name: 'x', replay: '/w/.aria/replays/a.json' }, '/w/other.aria');
    expect(r).toMatchObject({ ok: true, config: { replay: '/w/.aria/replays/a.json' } });
    expect(r.ok && r.config.program).toBeUndefined();
  });
  it('offers initial configurations the adapter accepts', () => {
    for (const c of INITIAL_CONFIGURATIONS) expect(readLaunchConfig({ ...c, program: '/w/a.aria' }).ok).toBe(true);
  });
});

describe('timeline page', () => {
  it('has a strict content security policy: the script from the extension, one nonce, no inline script or style', () => {
    const html = timelineHtml('abc123', 'vscode-resource:', 'vscode-resource:/ext/dist/timeline.js');
    expect(html).toContain("script-src 'nonce-abc123' vscode-resource:");
    expect(html).not.toContain('unsafe-inline');
    expect(html.match(/<script nonce="abc123" src="vscode-resource:\/ext\/dist\/timeline.js"><\/script>/g)).toHaveLength(1);
    expect(html).not.toMatch(/ style="/);
    // a legend of states, never of tasks
    expect([...html.matchAll(/<span class="chip">/g)]).toHaveLength(7);
    const msg = dataMessage(sampleTimeline(), sampleState(), false);
    expect(msg).toMatchObject({ type: 'data', focusTask: 3 });
    expect(msg.type === 'data' && msg.header).toBe('3 tasks · 2 threads · 3 events · step 42 · clock 100 ms · stopped (breakpoint)');
    expect(dataMessage(undefined, undefined, false)).toMatchObject({ type: 'data', body: undefined });
  });
  it('accepts only well-formed messages from the webview', () => {
    expect(isWebviewMessage({ type: 'focus', task: 3 })).toBe(true);
    expect(isWebviewMessage({ type: 'focus', task: '3' })).toBe(false);
    expect(isWebviewMessage({ type: 'export', t0: 0, t1: 500 })).toBe(true);
    expect(isWebviewMessage({ type: 'export', t0: 0, t1: Infinity })).toBe(false);
    expect(isWebviewMessage({ type: 'ready' })).toBe(true);
    expect(isWebviewMessage({ type: 'eval', code: 'x' })).toBe(false);
    expect(isWebviewMessage(null)).toBe(false);
  });
});

describe('manifest (the debug keys)', () => {
  const pkg = JSON.parse(readFileSync(join(resolve(import.meta.dirname, '..', '..'), 'package.json'), 'utf8'));
  const c = pkg.contributes;
  it('declares the aria debugger with exactly the launch attributes the adapter reads', () => {
    const dbg = c.debuggers.find((d: { type: string }) => d.type === 'aria');
    const props = dbg.configurationAttributes.launch.properties as Record<string, { default: unknown }>;
    expect(Object.keys(props).sort()).toEqual(['args', 'cwd', 'flavor', 'maxHeapMb', 'maxListLength', 'maxStringLength', 'otherTasks', 'program', 'replay', 'seed', 'stepLimit', 'stopOnEntry', 'stopOnSpawn', 'test', 'workers']);
    const defaults = readLaunchConfig({ program: 'x.aria' });
    if (!defaults.ok) throw new Error(defaults.error);
    for (const key of ['workers', 'seed', 'flavor', 'stopOnEntry', 'stepLimit', 'otherTasks', 'stopOnSpawn', 'maxListLength', 'maxStringLength', 'maxHeapMb'] as const) {
      expect(props[key]!.default, key).toEqual(defaults.config[key]);
    }
    for (const snippet of dbg.configurationSnippets) expect(readLaunchConfig({ ...snippet.body, program: 'x.aria' }).ok, snippet.label).toBe(true);
    expect(c.breakpoints).toContainEqual({ language: 'aria' });
    expect(pkg.activationEvents).toEqual(expect.arrayContaining(['onDebugResolve:aria', 'onDebugDynamicConfigurations:aria']));
  });
  it('puts the three views in the debug sidebar and declares the debug commands', () => {
    expect(c.views.debug.map((v: { id: string }) => v.id)).toEqual([TASKS_VIEW, WORKERS_VIEW, TIMERS_VIEW]);
    const declared = new Set(c.commands.map((x: { command: string }) => x.command));
    for (const id of DEBUG_COMMANDS) expect(declared.has(id), id).toBe(true);
    for (const m of c.menus['view/title']) if (m.command.startsWith('aria.debug.')) expect(m.when).toMatch(/view == aria\.debug\.tasks/);
  });
});
