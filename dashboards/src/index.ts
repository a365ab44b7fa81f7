/** The dashboards Telltale provisions, by the file name they are emitted to under dashboards/json/. */
import type { Dashboard } from '@grafana/schema';
import { assetDetail } from './asset-detail.ts';
import { fleetOverview } from './fleet-overview.ts';
import { gatewayHealth } from './gateway-health.ts';

export const DASHBOARDS: Record<string, Dashboard> = {
  'fleet-overview.json': fleetOverview,
  'asset-detail.json': assetDetail,
  'gateway-health.json': gatewayHealth,
};

/** The JSON Grafana loads: stable key order from the sources, two-space indent, trailing newline. */
export const toJson = (d: Dashboard): string => `${JSON.stringify(d, null, 2)}\n`;
