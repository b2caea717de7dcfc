// The soundness campaign: random programs in which closures that perform effects travel through lists, fields, results, matches, handlers and tasks; every program the checker accepts is run, and no run may meet an unhandled operation.
import { Workspace } from '../../analysis/workspace.js';
import { runProgram } from '../../runtime/index.js';
import { rng } from '../support/random.js';

const HEADER = `effect Ask {
  fn ask() -> Int
}

effect Tell {
  fn tell(n: Int) -> Int
}

handler AskH for Ask {
  fn ask() = 7
}

handler TellH for Tell {
  fn tell(n) = n + 1
}

# Serves Ask by calling a function that may itself perform Tell.
handler AskVia(k: () -> {Tell} Int) for Ask {
  fn ask() = k()
}

struct Box(f)

enum Slot {
  Full(f)
  Empty
}

fn apply(f) = f()

fn make_ask() = || Ask.ask()

fn make_pure() = || 3

fn pick(flag: Bool, x, y)
  if flag
    x
  else
    y
  end
end

# Handles Ask around a callback; the callback's other effects pass through e.
fn asking(f: () -> {Ask | e} Int) -> {e} Int
  with AskH
    f()
  end
end
`;

/** Rows for the generated functions: inferred more often than not, so that most programs are accepted. */
const ROWS = ['', '', '', ' -> {Async} Int', ' -> {Async, Ask} Int', ' -> {Async, Tell} Int', ' -> {Async, Ask, Tell} Int', ' -> {Async, Ask, Tell} Int'];

/** One generated program and what it is made of (for failure reports). */
export interface Generated {
  readonly seed: number;
  readonly text: string;
}

/** A random program: `functions` top-level functions built of random statements, called from the top level. */
export function generate(seed: number, functions = 4, statements = 7): Generated {
  const r = rng(seed);
  const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines: string[] = [HEADER];
  for (let i = 0; i < functions; i++) {
    lines.push(`fn f${i}()${pickOf(ROWS)}`);
    const body: string[] = ['acc = 0', 'c0 = || 1'];
    let closures = 1;
    let carriers = 0;
    const closure = (): string => `c${Math.floor(r() * closures)}`;
    const fresh = (): string => `c${closures++}`;
    for (let s = 0; s < statements; s++) {
      const k = Math.floor(r() * 17);
      const a = closure();
      const b = closure();
      switch (k) {
        case 0: body.push(`${fresh()} = || 1`); break;
        case 1: body.push(`${fresh()} = || Ask.ask()`); break;
        case 2: body.push(`${fresh()} = || Tell.tell(2)`); break;
        case 3: body.push(`${fresh()} = ${pickOf(['make_ask()', 'make_pure()'])}`); break;
        case 4: body.push(`${fresh()} = || ${a}() + 1`); break;
        case 5: body.push(i > 0 ? `${fresh()} = || f${Math.floor(r() * i)}()` : `${fresh()} = || 2`); break;
        case 6: {
          const l = `l${carriers++}`;
          body.push(`${l} = [${a}, ${b}]`, `${fresh()} = ${l}[${Math.floor(r() * 2)}]`, `for g in ${l}`, '  acc += g()', 'end');
          break;
        }
        case 7: {
          const box = `b${carriers++}`;
          body.push(`${box} = Box(${a})`, `${fresh()} = ${box}.f`, `acc += ${box}.f()`);
          break;
        }
        case 8: body.push(`${fresh()} = pick(${r() < 0.5}, ${a}, ${b})`); break;
        case 9: {
          const slot = `s${carriers++}`;
          body.push(`${slot} = ${r() < 0.7 ? `Full(${a})` : 'Empty'}`, `${fresh()} = match ${slot}`, `  case Full(g) => g`, `  case Empty => ${b}`, 'end');
          break;
        }
        case 10: {
          const opt = `o${carriers++}`;
          body.push(`${opt} = Some(${a})`, `match ${opt}`, '  case Some(g) => acc += g()', '  case None => acc += 0', 'end');
          break;
        }
        case 11: body.push(`acc += ${a}()`); break;
        case 12: body.push(`acc += apply(${a})`); break;
        case 13: {
          const t = `t${carriers++}`;
          body.push(`${t} = spawn ${a}()`, `acc += ${t}.await`);
          break;
        }
        case 14: {
          const handler = pickOf(['AskH', 'TellH', 'AskVia(|| Tell.tell(5))', 'AskVia(|| 4)']);
          body.push(`with ${handler}`, `  acc += ${a}()`, 'end');
          break;
        }
        // Reassigned in a loop (to a closure that captures nothing: a capture by reference could make a cycle).
        case 15: body.push('for i in 0..2', `  ${a} = ${pickOf(['|| 1', '|| Ask.ask()', '|| Tell.tell(3)', 'make_ask()'])}`, 'end'); break;
        default: body.push(`acc += asking(${a})`); break;
      }
    }
    body.push('acc');
    lines.push(...body.map(l => `  ${l}`), 'end', '');
  }
  for (let i = 0; i < functions; i++) {
    const wraps = ['AskH', 'TellH'].filter(() => r() < 0.85);
    let indent = '';
    const call: string[] = [];
    for (const w of wraps) {
      call.push(`${indent}with ${w}`);
      indent += '  ';
    }
    call.push(`${indent}print(f${i}())`);
    for (let w = wraps.length - 1; w >= 0; w--) {
      indent = indent.slice(2);
      call.push(`${indent}end`);
    }
    lines.push(...call);
  }
  return { seed, text: `${lines.join('\n')}\n` };
}

export interface CampaignResult {
  readonly programs: number;
  readonly accepted: number;
  readonly runs: number;
  /** Accepted programs whose run met an unhandled operation: the checker was unsound on them. */
  readonly unsound: readonly { readonly seed: number; readonly runSeed: number; readonly workers: number; readonly failure: string; readonly text: string }[];
  /** Accepted programs whose run failed otherwise (a bug of the generator or the runtime, reported apart). */
  readonly otherFailures: readonly { readonly seed: number; readonly failure: string }[];
}

/** Generates `programs` programs from `seed`; checks each and runs the accepted ones under several schedules. */
export async function campaign(seed: number, programs: number, schedules: readonly { seed: number; workers: number }[]): Promise<CampaignResult> {
  const ws = await Workspace.create({ root: '/soundness' });
  let accepted = 0;
  let runs = 0;
  const unsound: CampaignResult['unsound'][number][] = [];
  const otherFailures: CampaignResult['otherFailures'][number][] = [];
  for (let p = 0; p < programs; p++) {
    const g = generate(seed * 100_003 + p);
    ws.setFile('main.aria', g.text);
    const errors = ws.diagnostics('main.aria').filter(d => d.severity === 'error');
    if (errors.length > 0) continue;
    accepted++;
    for (const s of schedules) {
      runs++;
      const result = await runProgram(g.text, { path: '/soundness/main.aria', seed: s.seed, workers: s.workers, stepLimit: 200_000 });
      const failure = result.failureText ?? '';
      if (/unhandled operation/.test(failure)) unsound.push({ seed: g.seed, runSeed: s.seed, workers: s.workers, failure, text: g.text });
      else if (result.exitCode !== 0) otherFailures.push({ seed: g.seed, failure });
    }
  }
  ws.dispose();
  return { programs, accepted, runs, unsound, otherFailures };
}

// `npx tsx test/checker/soundness.ts [seed] [programs]`: the long campaign (npm run soundness).
const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'));
if (isMain) {
  const seed = Number(process.argv[2] ?? Date.now() % 1_000_000);
  const programs = Number(process.argv[3] ?? 2000);
  const t0 = Date.now();
  const result = await campaign(seed, programs, [{ seed: 1, workers: 4 }, { seed: 2, workers: 1 }, { seed: 3, workers: 2 }]);
  console.log(JSON.stringify({ seed, ...result, unsound: result.unsound.map(u => ({ seed: u.seed, runSeed: u.runSeed, failure: u.failure })), seconds: (Date.now() - t0) / 1000 }, null, 2));
  if (result.unsound.length > 0) {
    console.error(`UNSOUND: ${result.unsound.length} accepted program(s) met an unhandled operation; first one:\n${result.unsound[0]!.text}`);
    process.exit(1);
  }
}
