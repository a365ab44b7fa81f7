/** The top-k inputs behind a score, as `{ tag, feature, share }` for a message leaving the hot path. */
import { FeatureLayout } from '../../gateway/features/layout.ts';

export interface FeatureContribution {
  tag: string;
  /** The window feature (`mean`, `kurtosis`, …); '' for a model over raw tags. */
  feature: string;
  /** Share of the score, 0..1 (negative contributions count as 0). */
  share: number;
}

export function topContributions(names: readonly string[], values: ArrayLike<number>, k: number): FeatureContribution[] {
  let total = 0;
  for (let i = 0; i < names.length; i++) total += Math.max(0, values[i]);
  // k is small (3–5): a partial selection over the indices beats sorting every input.
  const picked: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const v = Math.max(0, values[i]);
    if (picked.length < k) picked.push(i);
    else if (v > Math.max(0, values[picked[picked.length - 1]])) picked[picked.length - 1] = i;
    else continue;
    picked.sort((a, b) => Math.max(0, values[b]) - Math.max(0, values[a]));
  }
  return picked.map((i) => {
    const tag = FeatureLayout.tagOf(names[i]);
    return { tag, feature: tag === names[i] ? '' : names[i].slice(tag.length + 1), share: total > 0 ? Math.max(0, values[i]) / total : 0 };
  });
}
