/**
 * Writes onnx.proto.json, the protobufjs JSON form of onnx.proto. The build copies .json files into dist/ (not
 * .proto), so the compiled gateway loads this; the source tree loads onnx.proto itself. A test keeps them equal.
 *   ./node_modules/.bin/node gateway/models/onnx/proto-json.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const PROTO_PATH = fileURLToPath(new URL('onnx.proto', import.meta.url));
export const PROTO_JSON_PATH = fileURLToPath(new URL('onnx.proto.json', import.meta.url));

/** The descriptor of onnx.proto as protobufjs JSON, with a stable layout. */
export function protoDescriptorJson(): string {
  return `${JSON.stringify(protobuf.loadSync(PROTO_PATH).toJSON(), null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PROTO_JSON_PATH, protoDescriptorJson());
  console.log(`wrote ${PROTO_JSON_PATH}`);
}
