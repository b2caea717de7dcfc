// package.json as an extension manifest: commands match what the client registers, settings match the server's.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../client/command-ids.js';
import { DEBUG_COMMANDS } from '../../client/debug/commands.js';
import { DEFAULT_SETTINGS } from '../../server/settings.js';
import { TEST_SETTINGS } from '../../client/test-model.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

interface Manifest {
  main: string;
  icon: string;
  engines: { vscode: string };
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations?: string[] } };
  contributes: {
    languages: Array<{ id: string; configuration: string }>;
    grammars: Array<{ language: string; path: string; scopeName: string }>;
    commands: Array<{ command: string; title: string; category: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    keybindings: Array<{ command: string; when?: string }>;
    configuration: { properties: Record<string, { default: unknown; markdownDescription?: string; description?: string }> };
  };
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const contributes = manifest.contributes;

/** Flattens nested defaults to `aria.a.b` keys. */
function leaves(value: unknown, prefix: string): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, `${prefix}.${k}`));
}

describe('commands', () => {
  it('declares exactly the commands the client registers, each with category Aria', () => {
    expect(contributes.commands.map(c => c.command).sort()).toEqual([...Object.values(COMMANDS), ...DEBUG_COMMANDS].sort());
    for (const c of contributes.commands) expect(c.category, c.command).toBe('Aria');
  });

  it('uses the agreed palette titles', () => {
    const title = (id: string): string | undefined => contributes.commands.find(c => c.command === id)?.title;
    expect(title(COMMANDS.restartServer)).toBe('Restart Language Server');
    expect(title(COMMANDS.showOutput)).toBe('Show Output');
    expect(title(COMMANDS.explainEffect)).toBe('Explain Effect');
  });

  it('refers only to declared commands from menus and keybindings', () => {
    const declared = new Set(contributes.commands.map(c => c.command));
    for (const entry of [...Object.values(contributes.menus).flat(), ...contributes.keybindings]) {
      expect(declared.has(entry.command), entry.command).toBe(true);
    }
  });

  it('shows the editor commands only for Aria files', () => {
    const editorCommands = new Set<string>([COMMANDS.explainEffect, COMMANDS.run, COMMANDS.debug]);
    const entries = [...Object.values(contributes.menus).flat(), ...contributes.keybindings].filter(e => editorCommands.has(e.command));
    expect(entries.length).toBeGreaterThan(3);
    for (const entry of entries) expect(entry.when ?? '', entry.command).toMatch(/(editorLangId|resourceLangId) == aria/);
  });
});

describe('settings', () => {
  const properties = contributes.configuration.properties;

  it('describes every setting the server reads, with the server default', () => {
    for (const [key, value] of leaves(DEFAULT_SETTINGS, 'aria')) {
      expect(properties[key], key).toBeDefined();
      expect(properties[key]!.default, key).toEqual(value);
    }
  });

  it('declares nothing the server does not read, except the client-side server path and Test Explorer settings', () => {
    const serverKeys = new Set(leaves(DEFAULT_SETTINGS, 'aria').map(([k]) => k));
    const testKeys = Object.keys(TEST_SETTINGS).map(k => `aria.${k}`);
    expect(Object.keys(properties).filter(k => !serverKeys.has(k)).sort()).toEqual(['aria.server.path', ...testKeys].sort());
  });

  it('describes every setting the Test Explorer reads, with its default', () => {
    for (const [key, value] of Object.entries(TEST_SETTINGS)) expect(properties[`aria.${key}`]?.default, key).toEqual(value);
  });

  it('gives each setting a description', () => {
    for (const [key, p] of Object.entries(properties)) expect((p.markdownDescription ?? p.description ?? '').length, key).toBeGreaterThan(20);
  });
});

describe('manifest', () => {
  it('targets VS Code 1.100 and loads the bundled extension', () => {
    expect(manifest.engines.vscode).toBe('^1.100.0');
    expect(manifest.main).toBe('./dist/extension.js');
    expect(manifest.activationEvents).toContain('onLanguage:aria');
  });

  it('works with limited features in untrusted workspaces and restricts the server path', () => {
    expect(manifest.capabilities.untrustedWorkspaces.supported).toBe('limited');
    expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations).toContain('aria.server.path');
  });

  it('points at files that exist', () => {
    expect(existsSync(join(repoRoot, manifest.icon))).toBe(true);
    for (const language of contributes.languages) expect(existsSync(join(repoRoot, language.configuration)), language.configuration).toBe(true);
    for (const grammar of contributes.grammars) {
      expect(grammar.language).toBe('aria');
      expect(existsSync(join(repoRoot, grammar.path)), grammar.path).toBe(true);
    }
  });
});
