import { describe, expect, it } from 'vitest';
import { FeatureWindow, SpectrumAnalyzer } from '../../gateway/features/index.ts';

const N = 1024;
const FS = 2048;

function analyse(signal: (t: number) => number, an: SpectrumAnalyzer): Float64Array {
  const ring = new Float64Array(N);
  for (let i = 0; i < N; i++) ring[i] = signal(i / FS);
  const out = new Float64Array(an.names.length);
  an.analyseRing(ring, N, 1, 0, 0, out, 0);
  return out;
}

describe('SpectrumAnalyzer', () => {
  it('does put a sine’s power in the right FFT bin and band', () => {
    const an = new SpectrumAnalyzer({ size: N, sampleRate: FS, bands: [{ lo: 0, hi: 100 }, { lo: 100, hi: 200 }, { lo: 200, hi: 1024 }] });
    const out = analyse((t) => 2 * Math.sin(2 * Math.PI * 150 * t), an);
    const ps = an.powerSpectrum();
    let peak = 0;
    for (let k = 1; k < ps.length; k++) if (ps[k] > ps[peak]) peak = k;
    expect(peak).toBe(an.binOf(150));
    // Parseval: the band holding the sine carries its mean-square power A²/2.
    expect(out[1]).toBeCloseTo(2, 6);
    expect(out[0]).toBeLessThan(1e-9);
    expect(out[2]).toBeLessThan(1e-9);
  });

  it('does find the modulation frequency in the envelope spectrum of an amplitude-modulated carrier', () => {
    const an = new SpectrumAnalyzer({ size: N, sampleRate: FS, bands: [{ lo: 0, hi: 1024 }], envelopeBands: [{ lo: 0, hi: 50 }, { lo: 50, hi: 200 }] });
    // A bearing-defect-like signal: a 500 Hz resonance modulated at 32 Hz.
    const out = analyse((t) => (1 + 0.8 * Math.cos(2 * Math.PI * 32 * t)) * Math.sin(2 * Math.PI * 500 * t), an);
    expect(an.names).toEqual(['band_0_1024hz', 'env_0_50hz', 'env_50_200hz', 'env_peak_hz']);
    expect(out[3]).toBe(32);
    expect(out[1]).toBeGreaterThan(100 * out[2]);
  });

  it('does add spectral features of vibration tags to a FeatureWindow layout', () => {
    const w = new FeatureWindow({ tags: ['vib', 'temp'], size: 64, features: ['rms'], spectral: { vib: { sampleRate: 64, bands: [{ lo: 0, hi: 8 }, { lo: 8, hi: 32 }] } } });
    expect(w.layout.names).toEqual(['vib.rms', 'vib.band_0_8hz', 'vib.band_8_32hz', 'temp.rms']);
    for (let i = 0; i < 64; i++) w.push([Math.sin((2 * Math.PI * 16 * i) / 64), 20]);
    const v = w.next();
    expect(v[2]).toBeCloseTo(0.5, 6);
    expect(v[2]).toBeCloseTo(v[0] ** 2, 6);
  });
});
