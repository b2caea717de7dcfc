// An Aria program with about `tasks` tasks (the timeline's scale tests and screenshots): main spawns batches, each
// batch spawns leaves that compute, some sleep, all yield. The line marked `# @stop` is main's last: every task has
// run by then.

/** @param {number} tasks about how many tasks (at least 4) */
export function manyTasksProgram(tasks) {
  const batches = Math.max(1, Math.round(Math.sqrt(tasks) / 2.5));
  const per = Math.max(1, Math.round((tasks - 1 - batches) / batches));
  return `# ${1 + batches + batches * per} tasks: ${batches} batches of ${per} leaves that compute, sleep and yield.
fn leaf(n: Int) -> {Async} Int
  acc = 0
  for i in 0..n % 13 + 1
    acc += i * n
  end
  if n % 3 == 0
    sleep((n % 9 + 1) * 1.ms)
  end
  yield_now()
  acc % 1000
end

fn batch(first: Int, count: Int) -> {Async} Int
  tasks = map(range(first, first + count), |n| spawn leaf(n))
  sum(join(tasks))
end

batches = map(range(0, ${batches}), |g| spawn batch(g * ${per}, ${per}))
total = sum(join(batches))
print("total:", total)   # @stop
`;
}

/** The task count manyTasksProgram(tasks) makes. */
export function manyTasksCount(tasks) {
  const batches = Math.max(1, Math.round(Math.sqrt(tasks) / 2.5));
  const per = Math.max(1, Math.round((tasks - 1 - batches) / batches));
  return 1 + batches + batches * per;
}
