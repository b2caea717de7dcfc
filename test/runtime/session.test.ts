// The stepping API: breakpoints by line, continue, step in/over/out, stacks with locals, evaluate, step back.
import { describe, expect, it } from 'vitest';
import { compileProgram, loadProgram } from '../../runtime/index.js';
import { Session } from '../../runtime/session.js';

const SOURCE = `fn add(a, b)
  c = a + b
  c
end

fn work(n)
  total = 0
  for i in 0..n
    total = add(total, i)
  end
  total
end

t = spawn work(4)
u = spawn work(3)
print(t.await + u.await)
`;

async function session(text = SOURCE, seed = 1): Promise<{ s: Session; out: () => string }> {
  const { program: loaded } = await loadProgram(text, { path: 'prog.aria' });
  const program = await compileProgram(loaded);
  let out = '';
  const s = new Session(program, { write: t => { out += t; } }, { seed, timeTravel: { minInterval: 5, stepsPerObject: 0 } });
  return { s, out: () => out };
}

describe('session', () => {
  it('stops at a line breakpoint in any task, with locals per frame', async () => {
    const { s } = await session();
    expect(s.setBreakpoints('prog.aria', [2, 5])).toEqual([
      { line: 2, verified: true, boundLine: 2 },
      { line: 5, verified: true, boundLine: 7 },
    ]);
    const r = s.continue();
    expect(r.kind).toBe('stop');
    if (r.kind !== 'stop') return;
    expect(r.cause).toBe('breakpoint');
    const stack = s.stackTrace(r.task);
    // The first statement of a spawned `work` (line 7) is reached before any call of add.
    expect(stack.map(f => `${f.fn}:${f.line}`)).toEqual(['work:7']);
    // Run on to the first stop inside add: its locals are the arguments.
    let stop = r;
    while (s.stackTrace(stop.task)[0]?.fn !== 'add') {
      const next = s.continue();
      if (next.kind !== 'stop') throw new Error('no stop in add');
      stop = next;
    }
    const [inner, outer] = s.stackTrace(stop.task);
    expect(inner!.locals.map(l => [l.name, l.text])).toEqual([['a', '0'], ['b', '0']]);
    expect(outer!.fn).toBe('work');
    expect(outer!.locals.find(l => l.name === 'total')?.text).toBe('0');
  });

  it('passes a breakpoint it is resuming from, and stops again at the next hit', async () => {
    const { s } = await session();
    s.setBreakpoints('prog.aria', [9]);
    const hits: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = s.continue();
      if (r.kind !== 'stop') break;
      hits.push(r.task);
    }
    // 4 + 3 iterations across the two tasks.
    expect(hits.length).toBe(7);
    expect(new Set(hits).size).toBe(2);
  });

  it('steps over calls and out of functions in one task', async () => {
    const { s } = await session();
    s.setBreakpoints('prog.aria', [9]);
    const r = s.continue();
    if (r.kind !== 'stop') throw new Error('no stop');
    const task = r.task;
    const over = s.step(task, 'over');
    expect(over.kind).toBe('stop');
    // Stepping over `total = add(total, i)` lands on the `for` line (the loop's next iteration), not in add.
    expect(s.stackTrace(task).map(f => `${f.fn}:${f.line}`)).toEqual(['work:8']);
    s.step(task, 'over');
    s.step(task, 'in');
    expect(s.stackTrace(task)[0]!.fn).toBe('add');
    s.step(task, 'out');
    expect(s.stackTrace(task).map(f => f.fn)).toEqual(['work']);
  });

  it('evaluates an expression in a frame without changing the run', async () => {
    const { s, out } = await session();
    s.setBreakpoints('prog.aria', [3]);
    const r = s.continue();
    if (r.kind !== 'stop') throw new Error('no stop');
    const before = JSON.stringify(s.snapshot());
    const v = await s.evaluate('a * 100 + b + c', r.task, 0);
    expect(v).toMatchObject({ ok: true });
    const frame = s.stackTrace(r.task)[0]!;
    const a = Number(frame.locals.find(l => l.name === 'a')!.text);
    const b = Number(frame.locals.find(l => l.name === 'b')!.text);
    expect(v.ok && v.text).toBe(String(a * 100 + b + (a + b)));
    const printing = await s.evaluate('print("side effect") == ()', r.task, 0);
    expect(printing).toMatchObject({ ok: true, text: 'true', output: 'side effect\n' });
    const calling = await s.evaluate('add(c, 1000) + len([1, 2])', r.task, 1);
    expect(calling.ok).toBe(false); // frame 1 (work) has no `c`
    const calling2 = await s.evaluate('add(total, 1000) + len([1, 2])', r.task, 1);
    expect(calling2).toMatchObject({ ok: true });
    const bad = await s.evaluate('1 / 0', r.task, 0);
    expect(bad).toMatchObject({ ok: false, error: 'division by zero' });
    expect(JSON.stringify(s.snapshot())).toBe(before);
    expect(out()).toBe('');
    s.setBreakpoints('prog.aria', []);
    expect(s.continue().kind).toBe('done');
    expect(out()).toBe('9\n');
  });

  it('steps back to the previous statement of a task and forward again without repeating output', async () => {
    const { s, out } = await session();
    s.setBreakpoints('prog.aria', [9]);
    const first = s.continue();
    if (first.kind !== 'stop') throw new Error('no stop');
    const task = first.task;
    const start = JSON.stringify(s.snapshot());
    s.step(task, 'in');
    s.step(task, 'in');
    expect(s.stackTrace(task)[0]!.fn).toBe('add');
    expect(s.stepBackInTask(task)).toBe(true);
    expect(s.stepBackInTask(task)).toBe(true);
    expect(JSON.stringify(s.snapshot())).toBe(start);
    s.setBreakpoints('prog.aria', []);
    s.continue();
    s.stepBack(3);
    s.continue();
    expect(out()).toBe('9\n');
  });
});

describe('holding the other tasks', () => {
  const RACE = `fn count(label, n)
  for i in 0..n
    print("#{label}#{i}")
  end
end

a = spawn count("a", 3)
b = spawn count("b", 3)
a.await
b.await
`;

  it('steps one task while the others stay where they are, and steps back through it exactly', async () => {
    const { s, out } = await session(RACE, 4);
    s.setBreakpoints('prog.aria', [3]);
    const first = s.continue();
    if (first.kind !== 'stop') throw new Error('no stop');
    const task = first.task;
    const other = task === 2 ? 3 : 2;
    s.setBreakpoints('prog.aria', []);
    const otherBefore = JSON.stringify(s.snapshot().tasks.find(t => t.id === other));
    const printedBefore = out();
    const states: string[] = [JSON.stringify(s.snapshot())];
    for (let i = 0; i < 5; i++) {
      const r = s.step(task, 'in', { hold: true });
      expect(r.kind).toBe('stop');
      states.push(JSON.stringify(s.snapshot()));
    }
    // Only the stepped task printed; the other one did not move.
    const printed = out().slice(printedBefore.length);
    const label = task === 2 ? 'a' : 'b';
    expect(printed.split('\n').filter(Boolean).every(l => l.startsWith(label))).toBe(true);
    expect(printed.length).toBeGreaterThan(0);
    const otherAfter = s.snapshot().tasks.find(t => t.id === other)!;
    expect(JSON.stringify({ ...otherAfter, idleUs: 0 })).toBe(JSON.stringify({ ...JSON.parse(otherBefore), idleUs: 0 }));
    // Back through the held steps: each state comes back exactly.
    for (let i = 4; i >= 0; i--) {
      s.stepBack(s.machine.s.steps - JSON.parse(states[i]!).step);
      expect(JSON.stringify(s.snapshot())).toBe(states[i]);
    }
    s.continue();
    expect(out().split('\n').filter(Boolean).sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
  });

  it('reports a held task that cannot go on alone as stuck', async () => {
    const { s } = await session(`ch = channel(1)
t = spawn recv(ch)
fn feed(ch)
  sleep(5)
  send(ch, 1)
end
f = spawn feed(ch)
print(t.await)
`, 1);
    s.setBreakpoints('prog.aria', [8]);
    const r = s.continue();
    if (r.kind !== 'stop') throw new Error('no stop');
    const main = r.task;
    const held = s.step(main, 'in', { hold: true });
    expect(held).toEqual({ kind: 'stuck', task: main });
    s.setBreakpoints('prog.aria', []);
    expect(s.continue().kind).toBe('done');
  });
});
