import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/process.ts';
import { CloudUplink, decodeSparkplug, encodeSparkplug, resolveUplinkConfig, SparkplugDataType, type SpPayload } from '../../gateway/uplink/index.ts';

describe('Sparkplug B payload', () => {
  it('does encode with the specification field numbers (hand-checked wire bytes)', () => {
    const bytes = encodeSparkplug({
      timestamp: 1,
      seq: 2,
      metrics: [
        { name: 'a', datatype: SparkplugDataType.Double, value: 1.5, isHistorical: true, timestamp: 5 },
        { name: 'bdSeq', datatype: SparkplugDataType.UInt64, value: 3 },
      ],
    });
    // 08 01: timestamp=1 | 12 12: metric (name 'a', timestamp 5, datatype 10, is_historical, double 1.5 as field 13)
    // 12 0b: metric (name 'bdSeq', datatype 8, long_value 3 as field 11) | 18 02: seq=2
    expect(Buffer.from(bytes).toString('hex')).toBe('080112120a01611805200a280169000000000000f83f120b0a056264536571200858031802');
    expect(decodeSparkplug(bytes).metrics[0]).toEqual({ name: 'a', datatype: 10, timestamp: 5, isHistorical: true, value: 1.5 });
  });
});

describe('CloudUplink with Sparkplug B', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'telltale-spb-'));
  });
  afterAll(async () => {
    await broker?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('does birth the node with a persisted bdSeq, birth devices before their data, and mark replayed data historical', async () => {
    const got: { topic: string; p: SpPayload }[] = [];
    const rx = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    rx.on('message', (topic, payload) => got.push({ topic, p: decodeSparkplug(payload) }));
    await rx.subscribeAsync('spBv1.0/#', { qos: 1 });
    const outboxPath = join(dir, 'outbox.sqlite');
    const make = () => new CloudUplink({ config: resolveUplinkConfig({ url: broker.url, clientId: 'spb-gw' }), site: 'plant', gateway: 'gw-s', outboxPath, sparkplug: {} });
    const metric = (p: SpPayload, name: string) => p.metrics.find((m) => m.name === name);

    const first = make();
    first.start();
    await waitFor(() => got.some((g) => g.topic === 'spBv1.0/plant/NBIRTH/gw-s'), 10_000, 'NBIRTH');
    first.alert({ kind: 'open', id: 'al-1', asset: 'pump-1', ts: Date.now(), score: 0.9 });
    await first.drain();
    await waitFor(() => got.some((g) => g.topic === 'spBv1.0/plant/DDATA/gw-s/pump-1'), 10_000, 'DDATA');
    await first.stop();
    await waitFor(() => got.some((g) => g.topic === 'spBv1.0/plant/NDEATH/gw-s'), 10_000, 'NDEATH');

    const topics = got.map((g) => g.topic.split('/').slice(2).join('/'));
    expect(topics).toEqual(['NBIRTH/gw-s', 'DBIRTH/gw-s/pump-1', 'DDATA/gw-s/pump-1', 'NDEATH/gw-s']);
    const [nbirth, dbirth, ddata, ndeath] = got.map((g) => g.p);
    expect(metric(nbirth, 'bdSeq')?.value).toBe(0);
    expect(metric(ndeath, 'bdSeq')?.value).toBe(0);
    expect([nbirth.seq, dbirth.seq, ddata.seq]).toEqual([0, 1, 2]);
    expect(metric(ddata, 'Alert/Id')).toMatchObject({ value: 'al-1', datatype: SparkplugDataType.String });
    expect(metric(ddata, 'Alert/Id')?.isHistorical).toBeUndefined();

    // Stored while no connection is up, sent by the next process: historical, and a new bdSeq.
    got.length = 0;
    const second = make();
    second.observe({ asset: 'pump-2', ts: Date.now(), score: 0.3, features: { rms: 1.5 } });
    second.flushSummaries();
    await new Promise((r) => setTimeout(r, 5));
    second.start();
    await second.drain();
    await waitFor(() => got.some((g) => g.topic === 'spBv1.0/plant/DDATA/gw-s/pump-2'), 10_000, 'replayed DDATA');
    const birth2 = got.find((g) => g.topic.includes('NBIRTH'))!.p;
    expect(metric(birth2, 'bdSeq')?.value).toBe(1);
    const replay = got.find((g) => g.topic === 'spBv1.0/plant/DDATA/gw-s/pump-2')!.p;
    expect(metric(replay, 'Features/rms/Mean')).toMatchObject({ value: 1.5, isHistorical: true });
    expect(replay.metrics.every((m) => m.isHistorical)).toBe(true);
    await second.stop();
    await rx.endAsync();
  });
});
