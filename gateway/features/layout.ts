/** Stable feature-vector layout: names `<tag>.<feature>`, the order a model's inputs are trained and scored in. */

export class FeatureLayout {
  readonly names: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(names: readonly string[]) {
    const index = new Map<string, number>();
    names.forEach((n, i) => {
      if (index.has(n)) throw new Error(`feature layout: duplicate feature name ${JSON.stringify(n)}`);
      index.set(n, i);
    });
    this.names = Object.freeze([...names]);
    this.index = index;
  }

  get length(): number {
    return this.names.length;
  }

  indexOf(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /** The tag a feature belongs to (`pump.vib.rms` → `pump.vib`: tags may contain dots, features do not). */
  static tagOf(name: string): string {
    const i = name.lastIndexOf('.');
    return i < 0 ? name : name.slice(0, i);
  }

  /** A vector as a plain record (allocates: for messages leaving the hot path). */
  toRecord(vector: ArrayLike<number>): Record<string, number> {
    const rec: Record<string, number> = {};
    for (let i = 0; i < this.names.length; i++) rec[this.names[i]] = vector[i];
    return rec;
  }
}
