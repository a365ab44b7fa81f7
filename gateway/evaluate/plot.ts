/**
 * `--plot OUT.svg`: score, threshold, labelled fault intervals and the alerts of one file's test rows.
 * Hand-written SVG: a few paths; a charting library would pull a browser or canvas stack onto an edge box.
 */
import type { FileResult } from './run.ts';

const W = 960;
const H = 320;
const M = { left: 56, right: 16, top: 28, bottom: 36 };

/** Contiguous runs of 1s in a 0/1 series as [start, endExclusive]. */
export function intervals(flags: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    const on = i < flags.length && flags[i] !== 0;
    if (on && start < 0) start = i;
    else if (!on && start >= 0) {
      out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function plotSvg(r: FileResult, title = r.relPath): string {
  const n = r.scores.length;
  const thr = r.calibration.threshold;
  let max = thr * 1.5;
  for (let i = 0; i < n; i++) if (Number.isFinite(r.scores[i])) max = Math.max(max, r.scores[i]);
  // Scores of a fault can be 100× the threshold; a log scale keeps the threshold region readable.
  const y = (v: number): number => M.top + (H - M.top - M.bottom) * (1 - Math.log1p(Math.max(0, v)) / Math.log1p(max));
  const x = (i: number): number => M.left + ((W - M.left - M.right) * i) / Math.max(1, n - 1);
  const band = (iv: [number, number][], fill: string, y0: number, h: number): string =>
    iv.map(([a, b]) => `<rect x="${x(a).toFixed(1)}" y="${y0}" width="${Math.max(1, x(b - 1) - x(a)).toFixed(1)}" height="${h}" fill="${fill}"/>`).join('');
  let d = '';
  for (let i = 0; i < n; i++) d += `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(r.scores[i]).toFixed(1)}`;
  const plotH = H - M.top - M.bottom;
  const ticks = [0, thr, max].map((v) => `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="16" font-size="13">${esc(title)} — score (log scale), threshold, labelled faults (red), alerts (blue)</text>`,
    r.labels ? band(intervals(r.labels), '#f6c6c6', M.top, plotH) : '',
    band(intervals(r.predictions), '#3b6fd6', H - M.bottom + 4, 6),
    `<path d="${d}" fill="none" stroke="#222" stroke-width="1"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y(thr).toFixed(1)}" y2="${y(thr).toFixed(1)}" stroke="#d62" stroke-dasharray="5,3"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#888"/>`,
    ticks,
    `<text x="${M.left}" y="${H - 8}">${esc(r.timestamps[0] ?? '')}</text>`,
    `<text x="${W - M.right}" y="${H - 8}" text-anchor="end">${esc(r.timestamps[n - 1] ?? '')}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
