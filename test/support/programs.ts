// Aria programs that more than one test or benchmark runs.

/**
 * Three tasks bump a counter with no suspension point between the read and the write: only exploring with
 * `--preempt` (a turn cut between two statements) finds the lost update.
 */
export const PREEMPT_COUNTER = `struct Counter(value: Int)

fn bump(c: Counter) -> Unit
  x = c.value
  c.value = x + 1
end

fn bump_all() -> {Async} Int
  c = Counter(0)
  a = spawn bump(c)
  b = spawn bump(c)
  d = spawn bump(c)
  busy = 0
  while busy < 200
    busy += 1
  end
  a.await
  b.await
  d.await
  c.value
end

@test
fn every_bump_lands()
  assert_eq(bump_all(), 3)
end
`;

/** About 1,000,000 statements before the last line, a list of `size` structs alive throughout, four tasks alongside. */
export function longWithHeap(size: number): string {
  const loop = Math.max(1000, 330_000 - Math.round(size * 1.3));
  return `struct Item(id: Int, score: Int)
items = map(range(0, ${size}), |i| Item(i, i * 2))
fn spin(n: Int) -> {Async} Int
  i = 0
  while i < n
    i += 1
  end
  i
end
helpers = map(range(0, 4), |k| spawn spin(60000))
n = 0
while n < ${loop}
  n += 1
end
print(n, len(items), sum(join(helpers)))
`;
}

/**
 * What the lost-update programs share: an account, a deposit that reads the balance, awaits a task, and writes it
 * back, and a noise task that yields `noise` times.
 */
export function lostUpdatePrelude(noise: number): string {
  return `struct Account(balance: Int)

fn audit(amount: Int) -> Int
  amount * 7
end

fn deposit(account: Account, amount: Int) -> {Async} Unit
  balance = account.balance
  receipt = spawn audit(amount)
  receipt.await
  account.balance = balance + amount
end

fn noise(n: Int) -> {Async} Int
  acc = 0
  for i in 0..${noise}
    acc += i
    yield_now()
  end
  acc
end

`;
}

/**
 * A lost update early in the run, then three tasks that yield often. DFS changes the last choice points first, so it
 * meets the race only after many subtrees: with `--depth 3` and 2 workers, at schedule 84, in the 36th subtree
 * (`noise` counting to `noise` and `tasks` of them: other sizes, a longer search).
 */
export function noisyRace(noise = 2, tasks = 3): string {
  return `${lostUpdatePrelude(noise)}@test
fn deposits_all_land()
  account = Account(100)
  first = spawn deposit(account, 10)
  second = spawn deposit(account, 20)
  first.await
  second.await
  others = []
  for n in 0..${tasks}
    push(others, spawn noise(n))
  end
  join(others)
  assert_eq(account.balance, 130)
end
`;
}

export const NOISY_RACE = noisyRace();
