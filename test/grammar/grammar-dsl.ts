// Evaluates grammar.js with a small stand-in for tree-sitter's DSL, giving the JSON that `tree-sitter generate` writes to src/grammar.json.
import { runInNewContext } from 'node:vm';

/** A rule as grammar.json spells it. */
export type Rule =
  | { readonly type: 'BLANK' }
  | { readonly type: 'STRING'; readonly value: string }
  | { readonly type: 'PATTERN'; readonly value: string; readonly flags?: string }
  | { readonly type: 'SYMBOL'; readonly name: string }
  | { readonly type: 'SEQ' | 'CHOICE'; readonly members: readonly Rule[] }
  | { readonly type: 'REPEAT' | 'REPEAT1' | 'TOKEN' | 'IMMEDIATE_TOKEN'; readonly content: Rule }
  | { readonly type: 'FIELD'; readonly name: string; readonly content: Rule }
  | { readonly type: 'ALIAS'; readonly content: Rule; readonly named: boolean; readonly value: string }
  | { readonly type: 'PREC' | 'PREC_LEFT' | 'PREC_RIGHT' | 'PREC_DYNAMIC'; readonly value: number | string; readonly content: Rule };

type RuleLike = Rule | string | RegExp;
type RuleFn = ($: Record<string, Rule>) => unknown;

function normalize(value: RuleLike): Rule {
  if (typeof value === 'string') return { type: 'STRING', value };
  // grammar.js runs in its own realm, so its regular expressions are not this realm's RegExp.
  if (Object.prototype.toString.call(value) === '[object RegExp]') {
    const { source, flags } = value as RegExp;
    return flags ? { type: 'PATTERN', value: source, flags } : { type: 'PATTERN', value: source };
  }
  return value as Rule;
}

/** `$.name` gives a symbol reference for any name. */
const symbols: Record<string, Rule> = new Proxy({}, {
  get: (_target, name) => ({ type: 'SYMBOL', name: String(name) }),
});

function precedence(type: 'PREC' | 'PREC_LEFT' | 'PREC_RIGHT' | 'PREC_DYNAMIC', defaultValue: number | undefined) {
  return (value: number | string | RuleLike, rule?: RuleLike): Rule =>
    rule === undefined
      ? { type, value: defaultValue ?? 0, content: normalize(value as RuleLike) }
      : { type, value: value as number | string, content: normalize(rule) };
}

function dsl() {
  const prec = Object.assign(precedence('PREC', undefined), {
    left: precedence('PREC_LEFT', 0),
    right: precedence('PREC_RIGHT', 0),
    dynamic: precedence('PREC_DYNAMIC', 0),
  });
  const token = Object.assign((rule: RuleLike): Rule => ({ type: 'TOKEN', content: normalize(rule) }), {
    immediate: (rule: RuleLike): Rule => ({ type: 'IMMEDIATE_TOKEN', content: normalize(rule) }),
  });
  const names = (fn: RuleFn | undefined): unknown => (fn ? fn(symbols) : undefined);
  return {
    blank: (): Rule => ({ type: 'BLANK' }),
    seq: (...members: RuleLike[]): Rule => ({ type: 'SEQ', members: members.map(normalize) }),
    choice: (...members: RuleLike[]): Rule => ({ type: 'CHOICE', members: members.map(normalize) }),
    optional: (rule: RuleLike): Rule => ({ type: 'CHOICE', members: [normalize(rule), { type: 'BLANK' }] }),
    repeat: (rule: RuleLike): Rule => ({ type: 'REPEAT', content: normalize(rule) }),
    repeat1: (rule: RuleLike): Rule => ({ type: 'REPEAT1', content: normalize(rule) }),
    field: (name: string, rule: RuleLike): Rule => ({ type: 'FIELD', name, content: normalize(rule) }),
    alias: (rule: RuleLike, value: string | Rule): Rule =>
      typeof value === 'string'
        ? { type: 'ALIAS', content: normalize(rule), named: false, value }
        : { type: 'ALIAS', content: normalize(rule), named: true, value: (value as { name: string }).name },
    sym: (name: string): Rule => ({ type: 'SYMBOL', name }),
    prec,
    token,
    grammar: (options: {
      name: string; rules: Record<string, RuleFn>; word?: RuleFn; extras?: RuleFn; conflicts?: RuleFn;
      precedences?: RuleFn; externals?: RuleFn; inline?: RuleFn; supertypes?: RuleFn;
    }) => {
      const rules = Object.fromEntries(Object.entries(options.rules).map(([name, fn]) => [name, normalize(fn(symbols) as RuleLike)]));
      const nameOf = (rule: Rule): string => (rule as { name: string }).name;
      const list = (fn: RuleFn | undefined): Rule[] => ((names(fn) as RuleLike[] | undefined) ?? []).map(normalize);
      return {
        name: options.name,
        ...(options.word ? { word: nameOf(names(options.word) as Rule) } : {}),
        rules,
        extras: options.extras ? list(options.extras) : [{ type: 'PATTERN', value: '\\s' }],
        conflicts: ((names(options.conflicts) as Rule[][] | undefined) ?? []).map(set => set.map(nameOf)),
        precedences: ((names(options.precedences) as RuleLike[][] | undefined) ?? []).map(level => level.map(normalize)),
        externals: list(options.externals),
        inline: list(options.inline).map(nameOf),
        supertypes: list(options.supertypes).map(nameOf),
      };
    },
  };
}

/** The grammar.json object of a grammar.js source text (throws if the text does not evaluate). */
export function evaluateGrammar(source: string): unknown {
  const module = { exports: {} as unknown };
  runInNewContext(source, { module, exports: module.exports, ...dsl() }, { timeout: 5000 });
  return JSON.parse(JSON.stringify(module.exports));
}
