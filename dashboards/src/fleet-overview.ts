/** Fleet overview: every asset at a glance — its state, open alerts and a heat map of score against threshold. */
import type { Dashboard } from '@grafana/schema';
import { alertAnnotations, dashboardBase, influxql, SCORE_STEPS, stat, statusHistory, table } from './panels.ts';

export const fleetOverview = {
  ...dashboardBase('telltale-fleet', 'Telltale — fleet overview', 'All assets of the site: state, open alerts, anomaly score heat map'),
  annotations: { list: [alertAnnotations()] },
  panels: [
    stat({
      id: 1, title: 'Assets reporting', at: [0, 0, 6, 4],
      description: 'Assets with at least one stored sample batch (device poll) in the time range',
      targets: [influxql('A', 'SELECT count(*) FROM (SELECT last("_good") FROM "samples" WHERE $timeFilter GROUP BY "asset")')],
      options: { colorMode: 'none' },
    }),
    stat({
      id: 2, title: 'Alerts opened', at: [6, 0, 6, 4],
      targets: [influxql('A', `SELECT count("alert_id") FROM "summaries"."alerts" WHERE "state" = 'open' AND $timeFilter`)],
      thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
    }),
    stat({
      id: 3, title: 'Alerts closed', at: [12, 0, 6, 4],
      targets: [influxql('A', `SELECT count("alert_id") FROM "summaries"."alerts" WHERE "state" = 'close' AND $timeFilter`)],
      options: { colorMode: 'none' },
    }),
    stat({
      id: 4, title: 'Bad-quality readings', at: [18, 0, 6, 4],
      description: 'Tag reads that came back bad (timeouts, Modbus exceptions, OPC UA bad status)',
      targets: [influxql('A', `SELECT count("reason") FROM "sample_quality" WHERE "quality" = 'bad' AND $timeFilter`)],
      thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1 }],
    }),
    table({
      id: 5, title: 'Assets: latest score and state', at: [0, 4, 12, 9],
      description: 'Score ÷ threshold above 1 means the asset is anomalous',
      targets: [influxql('A', 'SELECT last("score") AS "score", last("threshold") AS "threshold", last("score") / last("threshold") AS "ratio" FROM "scores" WHERE $timeFilter GROUP BY "asset"', 'table')],
      thresholds: SCORE_STEPS,
    }),
    table({
      id: 6, title: 'Alerts: latest per asset and state', at: [12, 4, 12, 9],
      description: 'The newest alert event of each asset in each state (open, update, close)',
      targets: [influxql('A', 'SELECT last("alert_id") AS "alert", last("message") AS "message", last("score") AS "score" FROM "summaries"."alerts" WHERE $timeFilter GROUP BY "asset", "state", "severity"', 'table')],
    }),
    statusHistory({
      id: 7, title: 'Score heat map (score ÷ threshold)', at: [0, 13, 24, 10],
      targets: [influxql('A', 'SELECT mean("score") / mean("threshold") FROM "scores" WHERE $timeFilter GROUP BY time($__interval), "asset" fill(null)', 'time_series', '$tag_asset')],
      thresholds: SCORE_STEPS,
      options: { showValue: 'never', rowHeight: 0.9 },
    }),
  ],
} satisfies Dashboard;
