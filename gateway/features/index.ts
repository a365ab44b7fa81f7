/** Window features of acquired tags: FeatureWindow (ring buffers, time-domain stats, FFT bands, envelope spectrum). */
export { FeatureWindow, FeatureWindowError, type FeatureWindowOptions, type SpectralTagOptions } from './window.ts';
export { FeatureLayout } from './layout.ts';
export { SpectrumAnalyzer, SpectrumError, type Band, type SpectrumOptions } from './spectrum.ts';
export { ringStats, newScalarStats, SCALAR_FEATURES, type ScalarFeature } from './stats.ts';
export { FeatureProcessor, type AcquiredSample, type FeatureFrame, type FeatureProcessorOptions } from './processor.ts';
