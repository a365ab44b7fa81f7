/**
 * node-opcua, loaded on first use. Importing it costs ~90 MB RSS and ~0.45 s (bench/memory.ts), which a gateway
 * with no OPC UA device should not pay; so the modules here import only its types statically and reach its values
 * through nodeOpcua(), first called when an endpoint starts. node-opcua is CommonJS: require() loads it
 * synchronously and shares the instance with any `import 'node-opcua'` in the process.
 */
import { createRequire } from 'node:module';

type NodeOpcua = typeof import('node-opcua');

const require = createRequire(import.meta.url);
let lib: NodeOpcua | undefined;

export function nodeOpcua(): NodeOpcua {
  return (lib ??= require('node-opcua') as NodeOpcua);
}
