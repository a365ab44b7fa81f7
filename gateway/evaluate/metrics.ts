/** Point-wise outlier metrics as the SKAB benchmark defines them (confusion counts summed over all files). */

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface DetectionMetrics extends Confusion {
  /** TP / (TP + (FP + FN) / 2) */
  f1: number;
  /** False alarm rate FP / (FP + TN), a fraction. */
  far: number;
  /** Missed alarm rate FN / (FN + TP), a fraction. */
  mar: number;
}

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, tn: 0, fn: 0 };
}

/** Adds the confusion of labels vs predictions (same length, 0/1) into acc. */
export function accumulate(acc: Confusion, labels: ArrayLike<number>, predictions: ArrayLike<number>): Confusion {
  if (labels.length !== predictions.length) {
    throw new RangeError(`labels (${labels.length}) and predictions (${predictions.length}) differ in length`);
  }
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] !== 0;
    const p = predictions[i] !== 0;
    if (l && p) acc.tp++;
    else if (!l && p) acc.fp++;
    else if (!l && !p) acc.tn++;
    else acc.fn++;
  }
  return acc;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function metrics(c: Confusion): DetectionMetrics {
  return {
    ...c,
    f1: ratio(c.tp, c.tp + (c.fp + c.fn) / 2),
    far: ratio(c.fp, c.fp + c.tn),
    mar: ratio(c.fn, c.fn + c.tp),
  };
}
