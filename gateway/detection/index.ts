/** Detection: threshold calibration, alert state (hysteresis, minimum duration, top tags), score smoothing, drift. */
export { calibrateThreshold, calibrateAssets, fitGpd, CalibrationError, type Calibration, type CalibrationMethod, type CalibrationOptions } from './calibration.ts';
export { AlertTracker, AlertPolicyError, topContributingTags, validatePolicy, type AlertEvent, type AlertPolicy, type Contributions, type TagContribution } from './alerts.ts';
export { DriftWatcher, DriftError, type DriftEvent, type DriftOptions, type DriftStatistic } from './drift.ts';
export { ScoreSmoother } from './smoothing.ts';
export { AssetDetector, type Detection, type DetectorOptions } from './detector.ts';
