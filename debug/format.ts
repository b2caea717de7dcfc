// Wording of virtual times shared by the adapter's variables and the debug views: "250 ms", "1.5 s", "0.25 ms".

/** Virtual milliseconds as text. */
export function formatMs(ms: number): string {
  if (ms !== 0 && Math.abs(ms) < 1) return `${trim(ms, 3)} ms`;
  if (Math.abs(ms) >= 10_000) return `${trim(ms / 1000, 2)} s`;
  return `${trim(ms, 2)} ms`;
}

export function formatUs(us: number): string {
  return formatMs(us / 1000);
}

function trim(x: number, digits: number): string {
  return String(Number(x.toFixed(digits)));
}
