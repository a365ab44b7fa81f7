/**
 * Hostile OPC UA values (issue 10): a real node-opcua server serves variables typed BaseDataType, so each write may
 * carry any Variant a misbehaving or hostile server could send — NaN, ±Infinity, huge and tiny doubles, 64-bit
 * integers, long strings, byte strings, arrays, matrices, null, dates, localized text, GUIDs — and any status code.
 * The real OpcUaEndpoint subscribes to them; every batch it emits goes through the gateway's own feature processor
 * and the InfluxDB point conversion. Asserted: the endpoint keeps running and delivering (a marker written after
 * each case arrives), each value is a number, boolean, bounded string or null with bad quality (never an object or
 * array, never a non-finite number stored as good), no InfluxDB field is non-finite, and nothing throws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, DataValue, OPCUACertificateManager, OPCUAServer, StatusCodes, Variant, VariantArrayType, type UAVariable } from 'node-opcua';
import type { IPoint } from 'influx';
import { OpcUaEndpoint } from '../../gateway/acquisition/opcua/endpoint.ts';
import { MAX_STRING_VALUE } from '../../gateway/acquisition/opcua/monitored.ts';
import type { SampleBatch } from '../../gateway/core/sample.ts';
import { FeatureProcessor } from '../../gateway/features/processor.ts';
import { FieldTypes, samplePoints } from '../../gateway/outputs/influx/sample-points.ts';
import { waitFor } from '../support/process.ts';
import { device, tag } from '../acquisition/opcua/fixtures.ts';

const CASES = 120;

/** What a hostile server may put in a Variant (value + data type), with its array shape. */
const hostileVariant: fc.Arbitrary<{ what: string; variant: Variant }> = fc.oneof(
  fc.double().map((v) => ({ what: `Double ${v}`, variant: new Variant({ dataType: DataType.Double, value: v }) })),
  fc.constantFrom(NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -0).map((v) => ({ what: `Double ${v}`, variant: new Variant({ dataType: DataType.Double, value: v }) })),
  fc.float().map((v) => ({ what: `Float ${v}`, variant: new Variant({ dataType: DataType.Float, value: v }) })),
  fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 })).map(([hi, lo]) => ({ what: `Int64 [${hi},${lo}]`, variant: new Variant({ dataType: DataType.Int64, arrayType: VariantArrayType.Scalar, value: [hi, lo] }) })),
  fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 })).map(([hi, lo]) => ({ what: `UInt64 [${hi},${lo}]`, variant: new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [hi, lo] }) })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ what: `Int32 ${v}`, variant: new Variant({ dataType: DataType.Int32, value: v }) })),
  fc.boolean().map((v) => ({ what: `Boolean ${v}`, variant: new Variant({ dataType: DataType.Boolean, value: v }) })),
  fc.string({ maxLength: 64 }).map((v) => ({ what: `String(${v.length})`, variant: new Variant({ dataType: DataType.String, value: v }) })),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => ({ what: `String(${n})`, variant: new Variant({ dataType: DataType.String, value: 'x'.repeat(n) }) })),
  fc.uint8Array({ maxLength: 4096 }).map((b) => ({ what: `ByteString(${b.length})`, variant: new Variant({ dataType: DataType.ByteString, value: Buffer.from(b) }) })),
  fc.array(fc.double(), { maxLength: 100 }).map((a) => ({ what: `Double[${a.length}]`, variant: new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: Float64Array.from(a) }) })),
  fc.constant({ what: 'Double matrix 2x2', variant: new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Matrix, dimensions: [2, 2], value: Float64Array.from([1, 2, 3, 4]) }) }),
  fc.constant({ what: 'Null', variant: new Variant({ dataType: DataType.Null, value: null }) }),
  fc.date({ noInvalidDate: true }).map((d) => ({ what: `DateTime ${d.toISOString()}`, variant: new Variant({ dataType: DataType.DateTime, value: d }) })),
  fc.string({ maxLength: 40 }).map((t) => ({ what: 'LocalizedText', variant: new Variant({ dataType: DataType.LocalizedText, value: { text: t, locale: 'en' } }) })),
  fc.constant({ what: 'Guid', variant: new Variant({ dataType: DataType.Guid, value: '72962B91-FA75-4AE6-8D28-B404DC7DAF63' }) }),
);
const hostileStatus = fc.constantFrom(StatusCodes.Good, StatusCodes.Good, StatusCodes.Good, StatusCodes.BadSensorFailure, StatusCodes.UncertainLastUsableValue, StatusCodes.BadNoCommunication, StatusCodes.GoodClamped);

describe('OPC UA endpoint under hostile values (fuzz)', () => {
  let dir: string;
  let server: OPCUAServer;
  let certs: OPCUACertificateManager[];
  let hostile: UAVariable;
  let marker: UAVariable;
  let endpointUrl: string;
  let current = new DataValue({ value: new Variant({ dataType: DataType.Double, value: 0 }), statusCode: StatusCodes.Good, sourceTimestamp: new Date() });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telltale-fuzz-opcua-'));
    certs = [new OPCUACertificateManager({ rootFolder: join(dir, 'server'), automaticallyAcceptUnknownCertificate: true }), new OPCUACertificateManager({ rootFolder: join(dir, 'user'), automaticallyAcceptUnknownCertificate: true })];
    server = new OPCUAServer({ host: '127.0.0.1', hostname: '127.0.0.1', port: 0, serverCertificateManager: certs[0], userCertificateManager: certs[1], allowAnonymous: true, isAuditing: false });
    await server.initialize();
    const ns = server.engine.addressSpace!.getOwnNamespace();
    const folder = ns.addFolder(server.engine.addressSpace!.rootFolder.objects, { browseName: 'hostile' });
    hostile = ns.addVariable({ componentOf: folder, browseName: 'value', nodeId: 's=hostile.value', dataType: 'BaseDataType', valueRank: -2 });
    marker = ns.addVariable({ componentOf: folder, browseName: 'marker', nodeId: 's=hostile.marker', dataType: 'Double' });
    // A server-side getter hands out whatever the case holds, exactly as a misbehaving server would: node-opcua's own
    // setValueFromSource would refuse some of these variants before they reach the wire.
    hostile.bindVariable({ timestamped_get: () => current }, true);
    // node-opcua refuses a Boolean in a BaseDataType variable on its own side; a hostile server has no such check.
    (hostile as unknown as { verifyVariantCompatibility: () => void }).verifyVariantCompatibility = () => {};
    marker.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }), StatusCodes.Good);
    await server.start();
    endpointUrl = `opc.tcp://127.0.0.1:${server.endpoints[0]!.port}`;
  });
  afterAll(async () => {
    await server?.shutdown(0);
    for (const c of certs ?? []) await c.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it(`delivers ${CASES} hostile values as typed values or bad quality, keeps running, and stores only finite fields`, async () => {
    const ep = new OpcUaEndpoint(device(endpointUrl, [tag('hostile', 'value', { nodeId: 'ns=1;s=hostile.value' }), tag('hostile', 'marker', { nodeId: 'ns=1;s=hostile.marker' })]), { pkiDir: join(dir, 'client') });
    const features = new FeatureProcessor({ size: 4, hop: 1, features: ['mean', 'std'] } as ConstructorParameters<typeof FeatureProcessor>[0]);
    const types = new FieldTypes();
    const batches: SampleBatch[] = [];
    const problems: string[] = [];
    ep.onSamples((b) => {
      batches.push(b);
      try {
        const points: IPoint[] = [];
        samplePoints(b, { site: 's', gateway: 'g' }, types, points);
        for (const p of points) for (const [k, v] of Object.entries(p.fields ?? {})) if (typeof v === 'number' && !Number.isFinite(v)) problems.push(`non-finite field ${k}=${v}`);
        features.apply({ asset: b.asset, ts: b.ts, values: b.values, quality: b.quality } as Parameters<typeof features.apply>[0]);
      } catch (e) {
        problems.push(`pipeline threw on ${JSON.stringify(b.values).slice(0, 200)}: ${(e as Error).message}`);
      }
    });
    await ep.start();
    try {
      await waitFor(() => batches.some((b) => b.values.marker === 0), 20_000, 'the first batch');
      const samples = fc.sample(fc.tuple(hostileVariant, hostileStatus), { numRuns: CASES, seed: 20261208 });
      const kinds = new Map<string, number>();
      for (let i = 0; i < samples.length; i++) {
        const [{ what, variant }, status] = samples[i];
        kinds.set(what.split(/[ ([]/)[0], (kinds.get(what.split(/[ ([]/)[0]) ?? 0) + 1);
        current = new DataValue({ value: variant, statusCode: status, sourceTimestamp: new Date() });
        // Two markers in a row after the change: a whole sampling and publishing cycle has passed since it.
        let b: SampleBatch | undefined;
        for (let k = 0; k < 2; k++) {
          const m = 2 * i + k + 1;
          marker.setValueFromSource(new Variant({ dataType: DataType.Double, value: m }), StatusCodes.Good, new Date());
          b = await waitFor(() => batches.findLast((x) => x.values.marker === m), 10_000, () => `marker ${m} after ${what} / ${status.name} (endpoint ${JSON.stringify(ep.status())})`);
        }
        if (!b) throw new Error('unreachable');
        const v = b.values.value;
        const q = b.quality.value;
        // The contract: a good value is a finite number, a boolean or a string of at most MAX_STRING_VALUE
        // characters; anything else is null with bad quality and a reason naming the node.
        const good = q?.status === 'good';
        const ok = good
          ? (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_STRING_VALUE)
          : v === null && q?.status === 'bad' && q.reason.includes('hostile.value');
        if (!ok) problems.push(`${what} / ${status.name}: delivered ${typeof v} ${JSON.stringify(v)?.slice(0, 80)} with quality ${JSON.stringify(q)}`);
        // Oracle from the case itself: what a plain scalar of a supported type must give.
        const raw = variant.value as unknown;
        const scalar = variant.arrayType === VariantArrayType.Scalar;
        if (status.isGood() && scalar && typeof raw === 'number' && Number.isFinite(raw) && !(good && v === raw)) problems.push(`${what}: a good finite number was not delivered as itself (got ${String(v)})`);
        if (status.isGood() && scalar && typeof raw === 'number' && !Number.isFinite(raw) && good) problems.push(`${what}: a non-finite number was delivered as good`);
        if (status.isGood() && scalar && typeof raw === 'string' && variant.dataType === DataType.String && raw.length > MAX_STRING_VALUE && good) problems.push(`${what}: an over-long string was delivered as good`);
        if (!status.isGood() && q?.status !== 'bad') problems.push(`${what} / ${status.name}: a bad status was delivered as good`);
        if (v !== null && typeof v === 'object') problems.push(`${what}: an object or array reached the pipeline`);
      }
      expect(problems).toEqual([]);
      expect(ep.status().connected).toBe(true);
      console.log(`fuzz-opcua: ${CASES} hostile values (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), endpoint errors ${ep.status().errors}`);
    } finally {
      await ep.stop();
    }
  }, 120_000);
});
