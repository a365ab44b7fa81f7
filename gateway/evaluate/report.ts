/** The evaluation table: our runs beside the published leaderboard. */
import { SKAB_LEADERBOARD, SKAB_LEADERBOARD_SOURCE } from './leaderboard.ts';
import type { DatasetResult } from './benchmark.ts';

const pct = (v: number | undefined): string => (v === undefined ? '—' : `${(v * 100).toFixed(2)} %`);

export function reportTable(results: readonly DatasetResult[], opts: { leaderboard: boolean }): string {
  const rows: string[][] = [['method', 'F1', 'FAR', 'MAR', 'TP', 'FP', 'TN', 'FN', 'model bytes']];
  for (const r of results) {
    const t = r.totals;
    rows.push([
      `telltale ${r.model}${r.int8 ? ' int8' : ''}`,
      t ? t.f1.toFixed(3) : '—',
      pct(t?.far),
      pct(t?.mar),
      ...(t ? [t.tp, t.fp, t.tn, t.fn].map(String) : ['—', '—', '—', '—']),
      String(r.maxModelBytes),
    ]);
  }
  if (opts.leaderboard) {
    for (const e of SKAB_LEADERBOARD) rows.push([`${e.method} (published)`, e.f1.toFixed(2), pct(e.far), pct(e.mar), '', '', '', '', '']);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  if (opts.leaderboard) out.push('', `published: ${SKAB_LEADERBOARD_SOURCE} (all 34 files incl. valve2)`);
  return `${out.join('\n')}\n`;
}
