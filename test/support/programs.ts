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
