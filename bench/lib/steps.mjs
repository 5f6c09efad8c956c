// Reading gobox's verbose step lines: "STEP took Xms (done at +Tms)", where T counts from
// process start (performance.now() in gobox), so a line says when the step began as well.
import { BenchError } from './proc.mjs';
import { fmtMs } from './stats.mjs';

const parse = (l) => ({ took: Number(/ took ([\d.]+)ms/.exec(l)?.[1] ?? 0), at: Number(/done at \+(\d+)ms/.exec(l)?.[1] ?? NaN) });

/** The step lines of a verbose run's stderr. */
export const stepLines = (stderr) => stderr.split('\n').filter((l) => l.includes(' took '));

/**
 * Milliseconds from process start to the start of a verbose run's first step: Node's start-up
 * and loading gobox's modules, all an in-process run does before its first step.
 */
export function beforeFirstStep(stderr) {
  const first = stepLines(stderr)[0];
  const p = first && parse(first);
  if (!p || Number.isNaN(p.at)) throw new BenchError(`gobox -v printed no timed step with a "done at" offset:\n${stderr.slice(-2000)}`);
  return p.at - p.took;
}

/** Splits one verbose run's wall time using the step lines; without "done at" offsets only the sum is known. */
export function breakdown(steps, wallMs) {
  const parsed = steps.map(parse);
  if (!parsed.length || parsed.some((p) => Number.isNaN(p.at))) return [`timed steps add up to ${fmtMs(parsed.reduce((sum, p) => sum + p.took, 0))}`];
  // Steps may nest, so count the union of their intervals, not the sum of their durations.
  const spans = parsed.map((p) => [p.at - p.took, p.at]).sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (b > end) covered += b - Math.max(a, end);
    end = Math.max(end, b);
  }
  const before = spans[0][0];
  const last = end;
  return [
    `before the first step (Node start-up, loading gobox's modules): ${fmtMs(before)}`,
    `in timed steps: ${fmtMs(covered)}`,
    `between steps, untimed (the container running until it exits, lazy module loads): ${fmtMs(last - before - covered)}`,
    `after the last step until the process has exited (as seen by the bench): ${fmtMs(wallMs - last)}`,
  ];
}
