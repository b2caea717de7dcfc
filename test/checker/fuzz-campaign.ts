// The checker's fuzz campaign, run as its own process by fuzz.test.ts so that a hang can be caught and killed.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Workspace } from '../../analysis/workspace.js';
import { rng } from '../support/random.js';

const SNIPPETS = ['fn ', 'end', 'with ', 'Async.default', 'Cancel.timeout(1.ms)', 'spawn ', '.await', '|x| ', '||', '(', ')', '{', '}', '<', '>',
  '-> {Async}', '-> <IO | e>', 'effect E {', 'handler H for E {', 'import a.b', 'struct S(a: Int)', 'E.op()', 'Log.log(1)', 'match x',
  'case Some(v) =>', '"#{', '#', '\n', ' ', ',', ':', '=', '+', 'xs.map(|x| x)', 'print(1)', 'thread_sleep(1.ms)', 'spawn_blocking(|| 1)',
  'return', 'loop', 'for i in 0..3', 'if true', 'elif', 'else', '@wasm_target\n', 'main()', '5.seconds', 'fn main()\n', 'x = ', 'f(f)'];

type Mutation = (text: string, r: () => number) => string;

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;

const MUTATIONS: readonly [string, Mutation][] = [
  ['delete a line', (t, r) => {
    const ls = t.split('\n');
    ls.splice(Math.floor(r() * ls.length), 1);
    return ls.join('\n');
  }],
  ['duplicate a line', (t, r) => {
    const ls = t.split('\n');
    const i = Math.floor(r() * ls.length);
    ls.splice(i, 0, ls[i] ?? '');
    return ls.join('\n');
  }],
  ['swap two lines', (t, r) => {
    const ls = t.split('\n');
    const i = Math.floor(r() * ls.length);
    const j = Math.floor(r() * ls.length);
    [ls[i], ls[j]] = [ls[j]!, ls[i]!];
    return ls.join('\n');
  }],
  ['insert a snippet', (t, r) => {
    const at = Math.floor(r() * (t.length + 1));
    return t.slice(0, at) + pick(SNIPPETS, r) + t.slice(at);
  }],
  ['delete a range', (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + t.slice(at + Math.floor(r() * 40));
  }],
  ['insert random characters', (t, r) => {
    const at = Math.floor(r() * (t.length + 1));
    return t.slice(0, at) + randomText(r, 1 + Math.floor(r() * 8)) + t.slice(at);
  }],
];

function randomText(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r() < 0.8 ? Math.floor(r() * 128) : Math.floor(r() * 0xffff));
  return s;
}

/** Calls every query at a few offsets; throws whatever they throw. */
function exercise(ws: Workspace, path: string, r: () => number): void {
  ws.diagnostics(path);
  ws.functionRows(path);
  ws.documentSymbols(path);
  ws.workspaceSymbols(pick(['', 'f', 'main', 'x'], r));
  const length = ws.text(path)?.length ?? 0;
  for (let i = 0; i < 4; i++) {
    const offset = Math.floor(r() * (length + 1));
    ws.symbolAt(path, offset);
    ws.definition(path, offset);
    ws.references(path, offset);
    ws.scopeAt(path, offset);
    ws.effectOrigins(path, offset);
    ws.handlersFor(path, offset);
    ws.dischargedBy(path, offset);
    const item = ws.callHierarchyItem(path, offset);
    if (item) {
      ws.incomingCalls(item);
      ws.outgoingCalls(item);
    }
  }
}

export interface CampaignResult {
  readonly runs: number;
  /** Incremental checks compared with a fresh check of the same text (and the same tree). */
  readonly compared: number;
  /** Times the incremental tree differed from a fresh parse (tree-sitter's error recovery), so no comparison. */
  readonly divergentTrees: number;
  readonly failures: readonly { readonly input: string; readonly step: string; readonly error: string; readonly text: string }[];
  readonly mismatches: readonly { readonly input: string; readonly step: string; readonly text: string; readonly history: readonly string[] }[];
}

const key = (ws: Workspace, path: string) => ws.diagnostics(path).map(d => `${d.span.start}:${d.span.end}:${d.code}:${d.message}`).join('\n');

export async function runCampaign(seed: number, stepsPerInput: number, randomInputs: number): Promise<CampaignResult> {
  const here = dirname(fileURLToPath(import.meta.url));
  const repo = join(here, '..', '..');
  const dirs = [join(repo, 'examples'), join(repo, 'examples', 'errors'), join(repo, 'examples', 'seed'), join(here, 'cases')];
  const inputs = dirs.flatMap(d => readdirSync(d).filter(n => n.endsWith('.aria')).map(n => join(d, n)));
  const r = rng(seed);
  const failures: { input: string; step: string; error: string; text: string }[] = [];
  const mismatches: { input: string; step: string; text: string; history: string[] }[] = [];
  let runs = 0;
  let compared = 0;
  let divergentTrees = 0;
  const ws = await Workspace.create({ root: '/fuzz' });
  const freshWs = await Workspace.create({ root: '/fuzz' });
  for (const input of inputs) {
    let text = readFileSync(input, 'utf8');
    const history: string[] = [text];
    // A second file that imports the mutated one, so cross-file paths are exercised too.
    ws.setFile('/fuzz/user.aria', 'import main\nmain.main()\nfn uses() -> {} Unit = main.helper(1)\n');
    for (let step = 0; step < stepsPerInput; step++) {
      const [name, mutate] = pick(MUTATIONS, r);
      text = mutate(text, r);
      history.push(text);
      runs++;
      try {
        ws.updateFile('/fuzz/main.aria', text);
        exercise(ws, '/fuzz/main.aria', r);
        ws.diagnostics('/fuzz/user.aria');
        if (step % 5 === 4) {
          freshWs.setFile('/fuzz/main.aria', '');
          freshWs.removeFile('/fuzz/main.aria');
          freshWs.setFile('/fuzz/main.aria', text);
          // tree-sitter's incremental reparse may recover from broken text differently than a fresh parse;
          // only the same tree must give the same diagnostics.
          const sameTree = freshWs.syntaxTree('/fuzz/main.aria')!.rootNode.toString() === ws.syntaxTree('/fuzz/main.aria')!.rootNode.toString();
          if (!sameTree) divergentTrees++;
          else if (key(freshWs, '/fuzz/main.aria') !== key(ws, '/fuzz/main.aria')) mismatches.push({ input, step: `${step} ${name}`, text, history: [...history] });
          else compared++;
        }
      } catch (error) {
        failures.push({ input, step: `${step} ${name}`, error: (error as Error).stack ?? String(error), text });
      }
    }
  }
  for (let i = 0; i < randomInputs; i++) {
    const text = randomText(r, Math.floor(r() * 400));
    runs++;
    try {
      ws.setFile('/fuzz/random.aria', text);
      exercise(ws, '/fuzz/random.aria', r);
    } catch (error) {
      failures.push({ input: 'random bytes', step: String(i), error: (error as Error).stack ?? String(error), text });
    }
  }
  return { runs, compared, divergentTrees, failures, mismatches };
}

if (process.argv[1]?.endsWith('fuzz-campaign.ts')) {
  const seed = Number(process.argv[2] ?? 1);
  const steps = Number(process.argv[3] ?? 20);
  const randoms = Number(process.argv[4] ?? 100);
  const result = await runCampaign(seed, steps, randoms);
  process.stdout.write(JSON.stringify(result));
}
