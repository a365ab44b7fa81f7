/**
 * Frequency-domain features of one high-rate vibration channel: band energies of the spectrum and of the
 * envelope spectrum (bearing-fault signatures show as lines in the envelope). The FFT is fft.js; the analytic
 * signal (Hilbert transform) is built from it: zero the negative frequencies, double the positive ones, invert.
 */
import FFT from 'fft.js';

export interface Band {
  /** Lower edge, Hz (inclusive). */
  lo: number;
  /** Upper edge, Hz (exclusive). */
  hi: number;
}

export interface SpectrumOptions {
  /** Samples per window; a power of two ≥ 4 (fft.js requires it). */
  size: number;
  /** Sampling rate of the channel, Hz. */
  sampleRate: number;
  bands: readonly Band[];
  /** Bands of the envelope spectrum; none = no envelope analysis. */
  envelopeBands?: readonly Band[];
}

export class SpectrumError extends Error {
  override name = 'SpectrumError';
}

const bandName = (prefix: string, b: Band): string => `${prefix}_${b.lo}_${b.hi}hz`;

/** Per-window spectral features, computed into preallocated buffers (no allocation per window). */
export class SpectrumAnalyzer {
  readonly size: number;
  readonly sampleRate: number;
  /** Feature names (without the tag prefix), in output order. */
  readonly names: readonly string[];
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly spec: Float64Array;
  private readonly analytic: Float64Array;
  private readonly envelope: Float64Array;
  private readonly bandBins: Int32Array;
  private readonly envBins: Int32Array;

  constructor(opts: SpectrumOptions) {
    const { size, sampleRate } = opts;
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new SpectrumError(`spectrum size must be a power of two ≥ 4, got ${size}`);
    }
    if (!(sampleRate > 0)) throw new SpectrumError(`spectrum sampleRate must be > 0 Hz, got ${sampleRate}`);
    const nyquist = sampleRate / 2;
    const toBins = (bands: readonly Band[], what: string): Int32Array => {
      const bins = new Int32Array(bands.length * 2);
      bands.forEach((b, i) => {
        if (!(b.lo >= 0 && b.hi > b.lo && b.hi <= nyquist)) {
          throw new SpectrumError(`${what}[${i}]: expected 0 ≤ lo < hi ≤ ${nyquist} Hz (Nyquist), got ${b.lo}–${b.hi}`);
        }
        bins[2 * i] = Math.ceil((b.lo * size) / sampleRate);
        bins[2 * i + 1] = Math.min(size / 2 + 1, Math.ceil((b.hi * size) / sampleRate));
      });
      return bins;
    };
    this.size = size;
    this.sampleRate = sampleRate;
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.spec = new Float64Array(2 * size);
    this.analytic = new Float64Array(2 * size);
    this.envelope = new Float64Array(size);
    this.bandBins = toBins(opts.bands, 'bands');
    this.envBins = toBins(opts.envelopeBands ?? [], 'envelopeBands');
    this.names = [
      ...opts.bands.map((b) => bandName('band', b)),
      ...(opts.envelopeBands ?? []).map((b) => bandName('env', b)),
      ...(this.envBins.length > 0 ? ['env_peak_hz'] : []),
    ];
  }

  /** Index of the FFT bin nearest to `hz`. */
  binOf(hz: number): number {
    return Math.round((hz * this.size) / this.sampleRate);
  }

  /** The window as the analyzer last saw it (a view; for tests and plots). */
  get samples(): Float64Array {
    return this.input;
  }

  /** Power spectrum |X_k|² of the last analysed window, k = 0..size/2 (a view into scratch space). */
  powerSpectrum(out: Float64Array = new Float64Array(this.size / 2 + 1)): Float64Array {
    for (let k = 0; k <= this.size / 2; k++) out[k] = this.spec[2 * k] ** 2 + this.spec[2 * k + 1] ** 2;
    return out;
  }

  /**
   * Analyses `size` samples of channel `ch` from a ring (see ringStats for the layout), writing names.length values
   * at out[offset…]. Band energy is the mean-square signal power in the band (Parseval-scaled, DC removed).
   */
  analyseRing(ring: Float64Array, cap: number, stride: number, ch: number, end: number, out: Float64Array, offset: number): void {
    const n = this.size;
    let p = end - n;
    if (p < 0) p += cap;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const v = ring[p * stride + ch];
      this.input[i] = v;
      mean += v;
      if (++p === cap) p = 0;
    }
    mean /= n;
    for (let i = 0; i < n; i++) this.input[i] -= mean;
    this.fft.realTransform(this.spec, this.input);
    this.fft.completeSpectrum(this.spec);
    let o = offset;
    o = this.bandEnergies(this.spec, this.bandBins, out, o);
    if (this.envBins.length === 0) return;
    // Analytic signal: keep DC and Nyquist, double positive frequencies, zero negative ones, inverse FFT.
    const a = this.analytic;
    a.set(this.spec);
    for (let k = 1; k < n / 2; k++) {
      a[2 * k] *= 2;
      a[2 * k + 1] *= 2;
    }
    a.fill(0, n + 2);
    this.fft.inverseTransform(this.spec, a);
    let envMean = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.hypot(this.spec[2 * i], this.spec[2 * i + 1]);
      this.envelope[i] = e;
      envMean += e;
    }
    envMean /= n;
    for (let i = 0; i < n; i++) this.envelope[i] -= envMean;
    this.fft.realTransform(this.spec, this.envelope);
    this.fft.completeSpectrum(this.spec);
    o = this.bandEnergies(this.spec, this.envBins, out, o);
    let best = 1;
    let bestP = -1;
    for (let k = 1; k <= n / 2; k++) {
      const pw = this.spec[2 * k] ** 2 + this.spec[2 * k + 1] ** 2;
      if (pw > bestP) {
        bestP = pw;
        best = k;
      }
    }
    out[o] = (best * this.sampleRate) / n;
  }

  private bandEnergies(spec: Float64Array, bins: Int32Array, out: Float64Array, o: number): number {
    const n = this.size;
    const norm = 1 / (n * n);
    for (let b = 0; b < bins.length; b += 2) {
      let e = 0;
      for (let k = Math.max(1, bins[b]); k < bins[b + 1]; k++) {
        const pw = spec[2 * k] ** 2 + spec[2 * k + 1] ** 2;
        // One-sided: bins other than Nyquist stand for both ±k.
        e += k === n / 2 ? pw : 2 * pw;
      }
      out[o++] = e * norm;
    }
    return o;
  }
}
