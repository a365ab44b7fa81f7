/**
 * The part of the Sparkplug B payload schema (Eclipse Sparkplug 3.0, package org.eclipse.tahu.protobuf) that
 * Telltale sends: Payload and scalar Metrics. Field numbers are the specification's, so any Sparkplug host
 * decodes these messages; datasets, templates and property sets are left out because we never send them.
 * Encoded and decoded by protobufjs.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package org.eclipse.tahu.protobuf;
message Payload {
  message Metric {
    optional string name = 1;
    optional uint64 alias = 2;
    optional uint64 timestamp = 3;
    optional uint32 datatype = 4;
    optional bool is_historical = 5;
    optional bool is_transient = 6;
    optional bool is_null = 7;
    oneof value {
      uint32 int_value = 10;
      uint64 long_value = 11;
      float float_value = 12;
      double double_value = 13;
      bool boolean_value = 14;
      string string_value = 15;
      bytes bytes_value = 16;
    }
  }
  optional uint64 timestamp = 1;
  repeated Metric metrics = 2;
  optional uint64 seq = 3;
  optional string uuid = 4;
  optional bytes body = 5;
}
`;

/** Sparkplug data types (the specification's numbering) for the values we send. */
export const DataType = { Int32: 3, Int64: 4, UInt64: 8, Double: 10, Boolean: 11, String: 12 } as const;

export interface SpMetric {
  name: string;
  timestamp?: number;
  datatype: number;
  isHistorical?: boolean;
  isNull?: boolean;
  value?: number | boolean | string;
}

export interface SpPayload { timestamp: number; seq?: number; metrics: SpMetric[] }

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const Payload = root.lookupType('org.eclipse.tahu.protobuf.Payload');

function valueField(m: SpMetric): Record<string, unknown> {
  if (m.value === undefined || m.isNull) return {};
  switch (m.datatype) {
    case DataType.Int32: return { int_value: (m.value as number) >>> 0 };
    case DataType.Int64:
    case DataType.UInt64: return { long_value: m.value };
    case DataType.Double: return { double_value: m.value };
    case DataType.Boolean: return { boolean_value: m.value };
    case DataType.String: return { string_value: m.value };
    default: throw new Error(`sparkplug: metric ${m.name}: unsupported datatype ${m.datatype}`);
  }
}

export function encodePayload(p: SpPayload): Uint8Array {
  const msg = {
    timestamp: p.timestamp,
    ...(p.seq !== undefined ? { seq: p.seq } : {}),
    metrics: p.metrics.map((m) => ({
      name: m.name,
      ...(m.timestamp !== undefined ? { timestamp: m.timestamp } : {}),
      datatype: m.datatype,
      ...(m.isHistorical ? { is_historical: true } : {}),
      ...(m.isNull || m.value === undefined ? { is_null: true } : {}),
      ...valueField(m),
    })),
  };
  return Payload.encode(Payload.fromObject(msg)).finish();
}

/** Decodes a Sparkplug B payload (for tests and for hosts reading their own messages back). */
export function decodePayload(buf: Uint8Array): SpPayload {
  const o = Payload.toObject(Payload.decode(buf), { longs: Number, defaults: false, oneofs: false }) as {
    timestamp?: number; seq?: number; metrics?: Record<string, unknown>[];
  };
  return {
    timestamp: o.timestamp ?? 0,
    ...(o.seq !== undefined ? { seq: o.seq } : {}),
    metrics: (o.metrics ?? []).map((m) => {
      const value = m.double_value ?? m.long_value ?? m.int_value ?? m.boolean_value ?? m.string_value;
      return {
        name: String(m.name ?? ''),
        datatype: Number(m.datatype ?? 0),
        ...(m.timestamp !== undefined ? { timestamp: Number(m.timestamp) } : {}),
        ...(m.is_historical ? { isHistorical: true } : {}),
        ...(m.is_null ? { isNull: true } : {}),
        ...(value !== undefined ? { value: value as number | boolean | string } : {}),
      };
    }),
  };
}
