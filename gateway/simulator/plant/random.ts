/**
 * Seeded randomness for the plant: the same seed gives the same signals, tick for tick.
 * Hand-written: mulberry32 is a few lines and Math.random cannot be seeded; no kept library is needed for this.
 */
export class SeededRandom {
  private state: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  gauss(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
}

/**
 * Coloured (AR(1), "red") noise for many channels in one typed array: x ← a·x + √(1−a²)·σ·N(0,1), so each channel
 * keeps variance σ² whatever its correlation time. No allocation per step.
 */
export class ColouredNoise {
  private readonly state: Float64Array;
  private readonly rng: SeededRandom;

  constructor(channels: number, rng: SeededRandom) {
    this.state = new Float64Array(channels);
    this.rng = rng;
  }

  /** Advances channel i by dtS with correlation time tauS and returns its value (unit variance × sigma). */
  next(i: number, dtS: number, tauS: number, sigma: number): number {
    const a = tauS > 0 ? Math.exp(-dtS / tauS) : 0;
    const x = a * this.state[i] + Math.sqrt(1 - a * a) * this.rng.gauss();
    this.state[i] = x;
    return x * sigma;
  }
}
