/**
 * Building blocks of the Telltale dashboards: the provisioned InfluxDB datasource and raw InfluxQL targets, so
 * every query is written out in full (the tests run each one against a real influxd).
 */
import { DashboardCursorSync, ThresholdsMode, VariableRefresh, type AnnotationQuery, type DataSourceRef, type Panel, type VariableModel } from '@grafana/schema';

/** uid of the datasource in dashboards/provisioning/datasources/influxdb.yaml */
export const DATASOURCE: DataSourceRef = { type: 'influxdb', uid: 'telltale-influxdb' };

/** Grafana dashboard JSON model version these dashboards are written for (Grafana 11). */
export const SCHEMA_VERSION = 39;

export interface InfluxQlTarget extends Record<string, unknown> {
  refId: string;
  datasource: DataSourceRef;
  rawQuery: true;
  query: string;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export function influxql(refId: string, query: string, resultFormat: InfluxQlTarget['resultFormat'] = 'time_series', alias?: string): InfluxQlTarget {
  return { refId, datasource: DATASOURCE, rawQuery: true, query, resultFormat, ...(alias ? { alias } : {}) };
}

interface PanelSpec {
  id: number;
  title: string;
  description?: string;
  /** [x, y, w, h] on Grafana's 24-column grid */
  at: [number, number, number, number];
  targets: InfluxQlTarget[];
  unit?: string;
  options?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  thresholds?: { color: string; value: number | null }[];
  /** Grafana transformations applied to the query results, in order. */
  transformations?: { id: string; options: Record<string, unknown> }[];
}

function panel(type: string, s: PanelSpec): Panel {
  const [x, y, w, h] = s.at;
  return {
    id: s.id,
    type,
    title: s.title,
    ...(s.description ? { description: s.description } : {}),
    datasource: DATASOURCE,
    gridPos: { x, y, w, h },
    targets: s.targets,
    fieldConfig: {
      defaults: {
        ...(s.unit ? { unit: s.unit } : {}),
        ...(s.custom ? { custom: s.custom } : {}),
        ...(s.thresholds ? { thresholds: { mode: ThresholdsMode.Absolute, steps: s.thresholds } } : {}),
      },
      overrides: [],
    },
    options: s.options ?? {},
    ...(s.transformations ? { transformations: s.transformations } : {}),
  };
}

/** Renames `mean_<field>` columns (what `mean(*)` / `mean(/regex/)` return) to the field's own name. */
export const stripAggregatePrefix = (fn = 'mean') => ({ id: 'renameByRegex', options: { regex: `^${fn}_(.*)$`, renamePattern: '$1' } });

export const timeseries = (s: PanelSpec): Panel => panel('timeseries', s);
export const stat = (s: PanelSpec): Panel => panel('stat', { ...s, options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', ...s.options } });
export const table = (s: PanelSpec): Panel => panel('table', s);
/** One row per series over time, coloured by value: the per-asset score heat map. */
export const statusHistory = (s: PanelSpec): Panel => panel('status-history', s);

/** For score ÷ threshold: green well below the asset's threshold, amber near it, red above. */
export const SCORE_STEPS = [{ color: 'green', value: null }, { color: 'orange', value: 0.8 }, { color: 'red', value: 1 }];

export function assetVariable(): VariableModel {
  return {
    name: 'asset',
    label: 'Asset',
    type: 'query',
    datasource: DATASOURCE,
    query: 'SHOW TAG VALUES FROM "scores" WITH KEY = "asset"',
    refresh: VariableRefresh.onTimeRangeChanged,
    includeAll: false,
    multi: false,
  };
}

/** Alerts (opened, updated, closed) as annotations; `where` narrows them, e.g. to one asset. */
export function alertAnnotations(where = ''): AnnotationQuery {
  return {
    name: 'Alerts',
    enable: true,
    iconColor: 'red',
    datasource: DATASOURCE,
    target: influxql('Anno', `SELECT "message", "alert_id", "score" FROM "summaries"."alerts" WHERE ${where}$timeFilter`, 'table'),
  };
}

/** Settings every Telltale dashboard shares. */
export function dashboardBase(uid: string, title: string, description: string) {
  return {
    uid,
    title,
    description,
    tags: ['telltale'],
    editable: false,
    schemaVersion: SCHEMA_VERSION,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    graphTooltip: DashboardCursorSync.Crosshair,
  };
}
