/** What the pump station and the synthetic plant share: a plant clock and a FaultBook behind the Plant methods. */
import { FaultBook } from './faults.ts';
import type { FaultKind, FaultOptions, GroundTruth, ScheduledFault } from './types.ts';

export abstract class SimulatedPlant {
  readonly faultCode: Uint16Array;
  readonly startMs: number;
  protected timeS = 0;
  protected readonly faults: FaultBook;

  protected constructor(assets: readonly string[], faults: readonly ScheduledFault[] | undefined, startMs: number | undefined) {
    this.faults = new FaultBook(assets, faults);
    this.faultCode = this.faults.code;
    this.startMs = startMs ?? Date.now();
  }

  nowMs(): number {
    return this.startMs + this.timeS * 1000;
  }

  injectFault(asset: string, kind: FaultKind, opts: FaultOptions = {}): void {
    this.faults.inject(asset, kind, opts, this.timeS);
  }

  clearFault(asset: string): void {
    this.faults.clear(asset);
  }

  groundTruth(): GroundTruth[] {
    return this.faults.groundTruth(this.startMs);
  }

  step(dtS: number): void {
    this.timeS += dtS;
    this.faults.update(this.timeS);
    this.advance(dtS);
  }

  /** Computes every asset's values for the new time; faults are already updated. */
  protected abstract advance(dtS: number): void;
}
