/** Shared by the OPC UA tests: a device config with the schema's defaults, and tag lists. */
import type { OpcUaDevice, OpcUaTag } from '../../../gateway/acquisition/opcua/config.ts';
import type { PlantVariable } from '../../../gateway/simulator/opcua-server/index.ts';

export function tag(asset: string, name: string, extra: Partial<OpcUaTag> = {}): OpcUaTag {
  return { name, asset, nodeId: `ns=1;s=${asset}.${name}`, scale: 1, offset: 0, ...extra };
}

export function device(endpoint: string, tags: OpcUaTag[], extra: Partial<OpcUaDevice> = {}): OpcUaDevice {
  return {
    protocol: 'opcua',
    id: 'plc-1',
    endpoint,
    securityMode: 'None',
    securityPolicy: 'None',
    samplingIntervalMs: 50,
    publishingIntervalMs: 100,
    backoff: { initialMs: 100, maxMs: 1000 },
    tags,
    ...extra,
  };
}

/** Signals of a small station plus a wide asset for the operation-limit tests. */
export const WIDE_TAGS = 12;
export const PLANT: PlantVariable[] = [
  { asset: 'pump-1', name: 'pressure', unit: 'bar', range: { low: 0, high: 10 }, initial: 3 },
  { asset: 'pump-1', name: 'flow', unit: 'm3/h', initial: 50 },
  { asset: 'pump-1', name: 'running', initial: true },
  { asset: 'motor-1', name: 'current', unit: 'A', initial: 10 },
  ...Array.from({ length: WIDE_TAGS }, (_, i) => ({ asset: 'wide', name: `t${i}`, initial: i })),
];
