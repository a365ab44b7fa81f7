/** Asset detail: one asset's tags, features, score against threshold with its alerts, and drift of its score. */
import type { Dashboard } from '@grafana/schema';
import { alertAnnotations, assetVariable, dashboardBase, influxql, stripAggregatePrefix, table, timeseries } from './panels.ts';

const ASSET = `"asset" =~ /^$asset$/`;
/**
 * The tag fields of a `samples` point: every field but the `_good`/`_bad` counts (the only ones starting with `_`
 * apart from escaped tag names, `_t.<name>`; see gateway/outputs/influx/sample-points.ts). String fields have no mean.
 */
const TAG_FIELDS = '/^([^_]|_t\\.)/';

export const assetDetail = {
  ...dashboardBase('telltale-asset', 'Telltale — asset detail', 'One asset: raw tags, features, anomaly score vs threshold, alerts, drift'),
  templating: { list: [assetVariable()] },
  annotations: { list: [alertAnnotations(`${ASSET} AND `)] },
  panels: [
    timeseries({
      id: 1, title: 'Score vs threshold', at: [0, 0, 24, 8],
      description: 'Smoothed anomaly score and the calibrated threshold of the active model; alerts are annotations',
      targets: [influxql('A', `SELECT mean("score") AS "score", mean("threshold") AS "threshold" FROM "scores" WHERE ${ASSET} AND $timeFilter GROUP BY time($__interval), "model" fill(null)`, 'time_series', '$col ($tag_model)')],
    }),
    timeseries({
      id: 2, title: 'Tags', at: [0, 8, 12, 9],
      description: 'Raw readings per tag (numbers; booleans as 1/0), one line per tag and device; bad reads leave gaps',
      targets: [influxql('A', `SELECT mean(${TAG_FIELDS}) FROM "samples" WHERE ${ASSET} AND $timeFilter GROUP BY time($__interval), "device" fill(null)`, 'time_series', '$col ($tag_device)')],
      transformations: [stripAggregatePrefix()],
    }),
    timeseries({
      id: 3, title: 'Features', at: [12, 8, 12, 9],
      description: 'Window features the model scores (RMS, kurtosis, spectral bands …)',
      targets: [influxql('A', `SELECT mean(*) FROM "features" WHERE ${ASSET} AND $timeFilter GROUP BY time($__interval) fill(null)`)],
    }),
    timeseries({
      id: 4, title: 'Drift: score level against its moving mean', at: [0, 17, 12, 8],
      description: 'A slowly rising moving mean of the score is the model drifting away from normal operation (or wear building up); the drift statistic (PSI/KS) of each channel is plotted where anomaly-score reported drift starting or ending',
      targets: [
        influxql('A', `SELECT mean("score") FROM "scores" WHERE ${ASSET} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'time_series', 'score'),
        influxql('B', `SELECT moving_average(mean("score"), 10) FROM "scores" WHERE ${ASSET} AND $timeFilter GROUP BY time($__interval) fill(none)`, 'time_series', 'moving mean (10 intervals)'),
        influxql('C', `SELECT max("value") FROM "drift" WHERE ${ASSET} AND $timeFilter GROUP BY time($__interval), "channel" fill(none)`, 'time_series', 'drift $tag_channel'),
      ],
    }),
    table({
      id: 5, title: 'Bad-quality readings', at: [12, 17, 12, 8],
      targets: [influxql('A', `SELECT count("reason") AS "bad reads", last("reason") AS "last reason" FROM "sample_quality" WHERE ${ASSET} AND "quality" = 'bad' AND $timeFilter GROUP BY "tag", "device"`, 'table')],
    }),
    table({
      id: 6, title: 'Alerts', at: [0, 25, 24, 8],
      targets: [influxql('A', `SELECT "alert_id", "message", "score", "state", "severity" FROM "summaries"."alerts" WHERE ${ASSET} AND $timeFilter ORDER BY time DESC LIMIT 100`, 'table')],
    }),
  ],
} satisfies Dashboard;
