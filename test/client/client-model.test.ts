// The client's plain-data logic: reading explainEffect replies, the status item text, and Run/Debug targets.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readExplainEffectResult } from '../../client/protocol.js';
import { contributesDebugger, debugConfiguration, exitLine, resolveRunTarget, runProcess, toTerminalText, type UriLike } from '../../client/run-target.js';
import { countSeverities, statusView } from '../../client/status-model.js';

const range = { start: { line: 3, character: 2 }, end: { line: 3, character: 9 } };

describe('readExplainEffectResult', () => {
  it('reads one explanation', () => {
    const reply = { function: 'main', effect: 'IO', chain: [{ label: 'calls greet', uri: 'file:///w/a.aria', range }] };
    expect(readExplainEffectResult(reply)).toEqual({ results: [reply] });
  });

  it('reads a list of explanations, one per effect', () => {
    const a = { function: 'f', effect: 'IO', chain: [] };
    const b = { function: 'f', effect: 'Async', chain: [{ label: 'await', uri: 'file:///w/a.aria', range }] };
    expect(readExplainEffectResult([a, b]).results.map(r => r.effect)).toEqual(['IO', 'Async']);
  });

  it('treats null as nothing to explain', () => {
    expect(readExplainEffectResult(null)).toEqual({ results: [] });
  });

  it.each([
    [{ effect: 'IO', chain: [] }, 'function'],
    [{ function: 'f', chain: [] }, 'effect'],
    [{ function: 'f', effect: 'IO' }, 'chain'],
    [{ function: 'f', effect: 'IO', chain: [{ label: 'x', uri: 'file:///a', range: { start: { line: 1 } } }] }, 'range'],
    ['text', 'not an object'],
  ])('reports a malformed reply %j', (reply, word) => {
    const read = readExplainEffectResult(reply);
    expect(read.results).toEqual([]);
    expect(read.problem).toContain(word);
  });
});

describe('statusView', () => {
  it('shows the state as an icon and the counts only when ready', () => {
    expect(statusView('starting', { errors: 2, warnings: 0 }).text).toBe('$(sync~spin) Aria');
    expect(statusView('ready', { errors: 0, warnings: 0 }).text).toBe('$(check) Aria');
    expect(statusView('ready', { errors: 2, warnings: 1 }).text).toBe('$(check) Aria $(error) 2 $(warning) 1');
    expect(statusView('ready', { errors: 0, warnings: 3 }).text).toBe('$(check) Aria $(warning) 3');
  });

  it('raises the alarm and explains an error', () => {
    const view = statusView('error', { errors: 0, warnings: 0 }, 'module not found at /x/server.js');
    expect(view.text).toBe('$(error) Aria');
    expect(view.alarm).toBe(true);
    expect(view.tooltip).toContain('error');
    expect(view.tooltip).toContain('module not found at /x/server\\.js');
    expect(statusView('ready', { errors: 0, warnings: 0 }).alarm).toBe(false);
  });

  it('spells counts in the tooltip', () => {
    expect(statusView('ready', { errors: 1, warnings: 2 }).tooltip).toContain('1 error, 2 warnings');
  });

  it('counts severities', () => {
    expect(countSeverities(['error', 'warning', 'other', 'error'])).toEqual({ errors: 2, warnings: 1 });
  });
});

describe('resolveRunTarget', () => {
  const file = (fsPath: string): UriLike => ({ scheme: 'file', fsPath, toString: () => pathToFileURL(fsPath).href });
  const untitled: UriLike = { scheme: 'untitled', fsPath: 'Untitled-1', toString: () => 'untitled:Untitled-1' };

  it('takes a file URI string from a code lens', () => {
    expect(resolveRunTarget('file:///w/src/main%20app.aria', undefined)).toEqual({ kind: 'file', path: '/w/src/main app.aria' });
  });

  it('takes a Uri from the editor title or explorer', () => {
    expect(resolveRunTarget(file('/w/a.aria'), file('/w/b.aria'))).toEqual({ kind: 'file', path: '/w/a.aria' });
  });

  it('takes { uri } objects and argument lists', () => {
    expect(resolveRunTarget({ uri: 'file:///w/a.aria' }, undefined)).toEqual({ kind: 'file', path: '/w/a.aria' });
    expect(resolveRunTarget(['file:///w/a.aria', 'main'], undefined)).toEqual({ kind: 'file', path: '/w/a.aria' });
  });

  it('falls back to the active editor, and knows unsaved documents cannot run', () => {
    expect(resolveRunTarget(undefined, file('/w/b.aria'))).toEqual({ kind: 'file', path: '/w/b.aria' });
    expect(resolveRunTarget(undefined, untitled)).toEqual({ kind: 'unsaved', uri: 'untitled:Untitled-1' });
    expect(resolveRunTarget(undefined, undefined)).toEqual({ kind: 'none' });
    expect(resolveRunTarget('not a path', undefined)).toEqual({ kind: 'none' });
  });
});

describe('run and debug', () => {
  it('runs the bundled CLI on the file with Node semantics', () => {
    const spec = runProcess('/usr/bin/node', '/ext/dist/cli.js', '/w/hello.aria');
    expect(spec.shellPath).toBe('/usr/bin/node');
    expect(spec.shellArgs).toEqual(['/ext/dist/cli.js', 'run', '/w/hello.aria']);
    expect(spec.env['ELECTRON_RUN_AS_NODE']).toBe('1');
    expect(spec.name).toBe('Aria: hello.aria');
  });

  it('turns program output into terminal text and says how the program ended', () => {
    expect(toTerminalText('a\nb\r\nc')).toBe('a\r\nb\r\nc');
    expect(exitLine(0, null)).toBe('[the program exited normally]');
    expect(exitLine(2, null)).toBe('[the program exited with code 2]');
    expect(exitLine(null, 'SIGINT')).toBe('[the program was stopped by SIGINT]');
  });

  it('launches a debug session of type aria', () => {
    expect(debugConfiguration('/w/hello.aria')).toEqual({ type: 'aria', request: 'launch', name: 'Debug hello.aria', program: '/w/hello.aria' });
  });

  it('finds a contributed debugger only when some manifest declares it', () => {
    expect(contributesDebugger([{ contributes: { languages: [] } }, undefined, { contributes: { debuggers: [{ type: 'node' }] } }], 'aria')).toBe(false);
    expect(contributesDebugger([{ contributes: { debuggers: [{ type: 'aria', label: 'Aria' }] } }], 'aria')).toBe(true);
  });
});
