// Small statistics and the printed table. Medians, because a single slow outlier (a page-cache
// miss, a daemon hiccup) should not decide the result; the minimum shows the best case.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs) {
  return Math.min(...xs);
}

export function summary(samples) {
  return { median: median(samples), min: min(samples), runs: samples.length, samples: samples.map((x) => Math.round(x * 10) / 10) };
}

export function fmtMs(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function fmtRatio(r) {
  return r >= 100 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`;
}

/** Renders rows (arrays of cells) under headers as a left/right aligned text table. */
export function table(headers, rows, rightAligned = new Set()) {
  const all = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
