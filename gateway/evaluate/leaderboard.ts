/**
 * The published SKAB outlier-detection leaderboard, kept as data in one place.
 * Source: https://github.com/waico/SKAB README, "Outlier detection problem" table (commit b2c0d46, 2024-08-11),
 * computed on all 34 files including valve2. FAR/MAR in percent there; fractions here.
 */
export interface LeaderboardEntry {
  method: string;
  f1: number;
  far?: number;
  mar?: number;
}

export const SKAB_LEADERBOARD_SOURCE = 'https://github.com/waico/SKAB (README, outlier detection leaderboard, commit b2c0d46)';

export const SKAB_LEADERBOARD: readonly LeaderboardEntry[] = Object.freeze([
  { method: 'Conv-AE', f1: 0.78, far: 0.1355, mar: 0.2802 },
  { method: 'MSET', f1: 0.78 },
  { method: 'T-squared+Q (PCA)', f1: 0.76 },
  { method: 'Isolation forest', f1: 0.29 },
]);
