import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { spawnPeer, waitFor, type Spawned } from '../support/process.ts';
import { waitForPort } from '../support/ports.ts';

// The first five minutes, as a new user runs them: the plain `telltale demo` of the built dist (what `npm run demo`
// runs after its build) in a fresh directory, with its defaults — default ports, ./data/demo, the private influxd
// and mosquitto it starts itself, the fault it injects right after learning. Only the learning span is shortened,
// by the environment variable the demo documents. Everything is found through what the demo printed.
const repo = fileURLToPath(new URL('../..', import.meta.url));
// 120 windows (2 min): fewer fit a 12-input baseline poorly and give false alerts before the fault (seen at 40).
const LEARN_WINDOWS = 120;
const hasServers = existsSync('/usr/bin/influxd') && existsSync('/usr/sbin/mosquitto');

interface Received { topic: string; body: { alert?: { id: string; kind: string; asset: string; topTags?: { tag: string }[] } } }

describe.runIf(hasServers)('npm run demo, first run, defaults', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'telltale-first-run-'));
  let demo: Spawned;
  let t0 = 0;
  let sub: mqtt.MqttClient | undefined;
  const received: Received[] = [];
  const printed = (re: RegExp, what: string) => {
    const m = re.exec(demo.output());
    if (!m) throw new Error(`the demo did not print ${what} (output:\n${demo.output()})`);
    return m;
  };

  beforeAll(async () => {
    t0 = Date.now();
    demo = spawnPeer(join(repo, 'node_modules/.bin/node'), [join(repo, 'bin/telltale.js'), 'demo'], {
      cwd,
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', TELLTALE_DEMO_LEARN_WINDOWS: String(LEARN_WINDOWS), TELLTALE_INFLUX_URL: '', TELLTALE_MQTT_URL: '', TELLTALE_API_TOKENS: '', TELLTALE_API_TOKENS_FILE: '' },
    });
    await waitFor(() => demo.output().includes('Press Ctrl+C to stop.') || demo.child.exitCode !== null, 60_000, () => `the banner (output:\n${demo.output()})`);
    // The cloud side, as the banner says: mosquitto_sub -h H -p P -t 'ROOT/#' -v
    const [, host, port, topic] = printed(/mosquitto_sub -h (\S+) -p (\d+) -t '([^']+)' -v/, 'a mosquitto_sub command');
    sub = await mqtt.connectAsync(`mqtt://${host}:${port}`, { protocolVersion: 5, clientId: 'first-run-test-cloud' });
    sub.on('message', (t, payload) => received.push({ topic: t, body: JSON.parse(payload.toString()) as Received['body'] }));
    await sub.subscribeAsync(topic!, { qos: 1 });
  }, 90_000);
  afterAll(async () => {
    await sub?.endAsync();
    await demo?.stop(30_000);
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  it('starts its own InfluxDB and broker and prints how to open everything, without an error line', () => {
    const out = demo.output();
    expect(out).toMatch(/InfluxDB: {5}http:\/\/127\.0\.0\.1:\d+\/telltale \(private influxd/);
    expect(out).toMatch(/Cloud uplink: mqtt:\/\/127\.0\.0\.1:\d+ \(private mosquitto\)/);
    expect(out).toContain(`each pump learns its baseline from ${LEARN_WINDOWS} windows`);
    expect(out).toMatch(/Fault: {8}pump-2 valve-closing injected 10 s after learning ends \(about \d\d:\d\d:\d\d UTC\)/);
    expect(out).toMatch(/Editor login: admin \/ \S{16} /);
    expect(out).toMatch(/API token: {4}\S{24} /);
    expect(out).toContain('Grafana:      docker run');
    expect(out).not.toMatch(/error|NOT CONNECTED/i);
  });

  it('tells the learning, then the alert with score, threshold and top channels', async () => {
    await waitFor(() => /Learning baselines: pump-1 \[#*\.*\] \d+\/120/.test(demo.output()), 30_000, () => `a learning line (output:\n${demo.output()})`);
    await waitFor(() => demo.output().includes('Scoring started: all 3 assets'), 200_000, () => `scoring started (output:\n${demo.output()})`);
    const injected = await waitFor(() => /Fault injected at (\S+): pump-2: valve-closing/.exec(demo.output()), 60_000, () => `the fault (output:\n${demo.output()})`);
    const line = await waitFor(() => /ALERT OPENED pump-2 at \S+: score (\S+) \(peak \S+\) \/ threshold (\S+); top channels (.+) \(id (\S+)\)/.exec(demo.output().slice(demo.output().indexOf(injected[0]))), 90_000, () => `the pump-2 alert line (output:\n${demo.output()})`);
    const [, score, threshold, channels] = line;
    expect(Number(score)).toBeGreaterThan(Number(threshold));
    expect(channels!.split(', ').length).toBeGreaterThan(0);
    process.stdout.write(`first-run: pump-2 alert line ${((Date.now() - t0) / 1000).toFixed(1)} s after spawn (learning ${LEARN_WINDOWS} windows)\n`);
  }, 300_000);

  it('stores that alert in the demo\'s InfluxDB (queried at the URL it printed) and says so', async () => {
    const id = printed(/ALERT OPENED pump-2 at [^\n]*\(id (\S+)\)/, 'the pump-2 alert')[1]!;
    const [, base] = printed(/curl -G '(http:\/\/127\.0\.0\.1:\d+)\/query' --data-urlencode db=telltale/, 'the InfluxDB query');
    const rows = await waitFor(async () => {
      const q = new URLSearchParams({ db: 'telltale', q: `SELECT "alert_id", "score" FROM "summaries"."alerts" WHERE "alert_id" = '${id}' AND "state" = 'open'` });
      const body = (await (await fetch(`${base}/query?${q}`)).json()) as { results: { series?: { values: unknown[][] }[] }[] };
      return body.results[0]?.series?.[0]?.values;
    }, 30_000, `alert ${id} in InfluxDB`);
    expect(rows.length).toBe(1);
    await waitFor(() => demo.output().includes(`stored in InfluxDB: alert ${id} (open)`), 15_000, () => `the stored line (output:\n${demo.output()})`);
  }, 60_000);

  it('sends that alert to the subscriber on the printed topic, and no raw samples', async () => {
    const id = printed(/ALERT OPENED pump-2 at [^\n]*\(id (\S+)\)/, 'the pump-2 alert')[1]!;
    const open = await waitFor(() => received.find((m) => m.topic.endsWith('/alerts') && m.body.alert?.id === id && m.body.alert.kind === 'open'), 30_000, `alert ${id} at the subscriber (got ${received.length} messages)`);
    expect(open.body.alert!.asset).toBe('pump-2');
    expect(open.body.alert!.topTags!.length).toBeGreaterThan(0);
    expect(demo.output()).toContain(`sent upstream: alert ${id} (open) of pump-2`);
    expect(received.every((m) => /\/(alerts|summaries|status)$/.test(m.topic))).toBe(true);
  }, 60_000);

  it('answers the printed API curl with the printed token', async () => {
    const id = printed(/ALERT OPENED pump-2 at [^\n]*\(id (\S+)\)/, 'the pump-2 alert')[1]!;
    const [, token] = printed(/API token: {4}(\S+) /, 'the API token');
    const [, url] = printed(/Bearer \$\(tail -1 \S+\)" '([^']+)'/, 'the API curl line');
    const res = await fetch(url!, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { alerts: { id: string }[] } | { id: string }[];
    expect(JSON.stringify(body)).toContain(id);
  });

  it('stops on Ctrl+C with a summary, and stops the servers it started', async () => {
    const influxPort = Number(printed(/InfluxDB: {5}http:\/\/127\.0\.0\.1:(\d+)\//, 'the InfluxDB URL')[1]);
    const brokerPort = Number(printed(/Cloud uplink: mqtt:\/\/127\.0\.0\.1:(\d+)/, 'the broker URL')[1]);
    await sub?.endAsync();
    sub = undefined;
    demo.child.kill('SIGINT');
    await waitFor(() => demo.child.exitCode !== null, 30_000, () => `exit (output:\n${demo.output()})`);
    expect(demo.child.exitCode).toBe(0);
    expect(demo.output()).toMatch(/Demo summary after \d+ min \d+ s: 3\/3 assets scoring, \d+ alert\(s\) opened \([^)]*pump-2/);
    expect(demo.output()).toMatch(/Stored in InfluxDB: \d+ sample batches, \d+ feature windows, \d+ scores, [1-9]\d* alert events\./);
    await expect(waitForPort(influxPort, '127.0.0.1', 500)).rejects.toThrow();
    await expect(waitForPort(brokerPort, '127.0.0.1', 500)).rejects.toThrow();
  }, 60_000);
});
