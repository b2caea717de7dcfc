// Tests the TextMate grammar (unit assertions and snapshots over the examples) and the editor's language configuration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runSnapshots, runUnitTests, snapshotFixtures } from './tm-tools.js';

interface OnEnterRule {
  readonly beforeText: string;
  readonly afterText?: string;
  readonly action: { readonly indent: string };
}

interface LanguageConfiguration {
  readonly comments: { readonly lineComment: string };
  readonly brackets: readonly (readonly [string, string])[];
  readonly autoClosingPairs: readonly { readonly open: string; readonly close: string }[];
  readonly surroundingPairs: readonly (readonly [string, string])[];
  readonly wordPattern: string;
  readonly indentationRules: { readonly increaseIndentPattern: string; readonly decreaseIndentPattern: string };
  readonly onEnterRules: readonly OnEnterRule[];
}

const config = JSON.parse(readFileSync(join(repoRoot, 'language-configuration.json'), 'utf8')) as LanguageConfiguration;
const increase = new RegExp(config.indentationRules.increaseIndentPattern);
const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);

/** What pressing Enter at the end of `line` does, by the first onEnterRule that applies (as VS Code picks them). */
function onEnter(line: string, after = ''): string {
  const rule = config.onEnterRules.find(
    r => new RegExp(r.beforeText).test(line) && (r.afterText === undefined || new RegExp(r.afterText).test(after)),
  );
  return rule?.action.indent ?? 'none';
}

describe('TextMate grammar', () => {
  it('passes the hand-written # SYNTAX TEST files', () => {
    const run = runUnitTests();
    expect(run.output).not.toMatch(/failed/);
    expect(run.code, run.output).toBe(0);
    for (const name of ['effect-rows', 'strings', 'literals', 'annotations', 'definitions']) {
      expect(run.output).toContain(`${name}.aria-test run successfuly`);
    }
  });

  it('matches the committed snapshots of the (frozen copies of the) examples', () => {
    const run = runSnapshots();
    const hint = 'after an intended grammar change: npx tsx test/textmate/update-snapshots.ts';
    expect(run.missing, `fixtures without a snapshot; ${hint}`).toEqual([]);
    expect(run.code, `${run.output}\n${hint}`).toBe(0);
    expect(run.output).not.toMatch(/Generating snapshot|ERROR/);
    expect(snapshotFixtures().length).toBeGreaterThanOrEqual(30);
  });

  it('is the grammar package.json contributes for .aria files', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const grammar = JSON.parse(readFileSync(join(repoRoot, 'syntaxes', 'aria.tmLanguage.json'), 'utf8'));
    expect(grammar.scopeName).toBe('source.aria');
    expect(manifest.contributes.grammars).toContainEqual(
      expect.objectContaining({ language: 'aria', scopeName: 'source.aria', path: './syntaxes/aria.tmLanguage.json' }),
    );
  });
});

describe('language configuration', () => {
  it('uses # comments, the three bracket pairs and no auto-closing |', () => {
    expect(config.comments.lineComment).toBe('#');
    expect(config.brackets).toEqual([['(', ')'], ['[', ']'], ['{', '}']]);
    const opens = config.autoClosingPairs.map(p => p.open);
    expect(opens).toEqual(expect.arrayContaining(['(', '[', '{', '"']));
    expect(opens).not.toContain('|');
    expect(config.surroundingPairs.map(p => p[0])).not.toContain('|');
  });

  // [line, increases the next line's indent, is itself outdented]
  const indentation: readonly (readonly [string, boolean, boolean])[] = [
    ['fn server() -> {Async, IO} Unit', true, false],
    ['fn greet(name: String, times: Int = 1) -> {IO} Unit', true, false],
    ['fn fetch_all[T](url: String) -> <Async | e> List[T]  # comment', true, false],
    ['  fn incr(by)', true, false],
    ['@inline fn small()', true, false],
    ['fn double(x) = x * 2', false, false],
    ['fn twice[T](x: T, f: (T) -> {e} T) -> {e} T = f(f(x))', false, false],
    ['  fn log(message) = print("#{prefix}#{message}")', false, false],
    ['fn f(x = g(1)) = x', false, false],
    ['if n < 2', true, false],
    ['elif times > 2', true, true],
    ['else', true, true],
    ['while not is_cancelled(token)', true, false],
    ['loop', true, false],
    ['  for item in items', true, false],
    ['match recv(ch)', true, false],
    ['result = match safe_div(a, b)', true, false],
    ['x = if ok', true, false],
    ['  return match shape', true, false],
    ['returned = 1', false, false],
    ['with Runtime.multi_threaded(workers: 4)', true, false],
    ['with Async.scope |scope|', true, false],
    ['case Ok(body) =>', true, true],
    ['case Rect(w, h) if w == h =>  # squares', true, true],
    ['case None() => break', false, true],
    ['effect Log {', true, false],
    ['handler Console(prefix: String = "") for Log {', true, false],
    ['woke = traced("nap", ||', true, false],
    ['each(xs, |x|', true, false],
    ['with Async.configure(', true, false],
    ['winner = race([', true, false],
    ['end', false, true],
    ['  end)', false, true],
    ['}', false, true],
    [')', false, true],
    ['])', false, true],
    ['if ok; print(1); end', false, false],
    ['# if this were code', false, false],
    ['# effect Log {', false, false],
    ['print("done")', false, false],
    ['x = spawn_blocking(|| compress(size)).await', false, false],
    ['fn uses_end_name(ending: Int)', true, false],
    ['if_ready = true', false, false],
    ['endpoint = 1', false, false],
    ['elsewhere(1)', false, false],
    ['cases = 2', false, false],
  ];
  it.each(indentation)('%j: increase %s, decrease %s', (line, up, down) => {
    expect(increase.test(line)).toBe(up);
    expect(decrease.test(line)).toBe(down);
  });

  // [line, text after the cursor, action]
  const enter: readonly (readonly [string, string, string])[] = [
    ['fn main() -> {IO} Unit', '', 'indent'],
    ['  while count < times', '', 'indent'],
    ['with Console(prefix: "bank: ")', '', 'indent'],
    ['case value =>', '', 'indent'],
    ['repeat(3, |i|', '', 'indent'],
    ['effect Counter {', '}', 'indentOutdent'],
    ['xs = [', ']', 'indentOutdent'],
    ['fn double(x) = x * 2', '', 'none'],
    ['print("hello")', '', 'none'],
    ['# while comments stay put', '', 'none'],
    ['end', '', 'none'],
  ];
  it.each(enter)('Enter after %j (before %j): %s', (line, after, action) => {
    expect(onEnter(line, after)).toBe(action);
  });

  it('selects whole identifiers and numbers as words', () => {
    const word = new RegExp(config.wordPattern, 'g');
    expect('sleep(250.millis) + 0xff + fetch_all'.match(word)).toEqual(['sleep', '250', 'millis', '0xff', 'fetch_all']);
    expect('1.5 x_1'.match(word)).toEqual(['1.5', 'x_1']);
  });
});
