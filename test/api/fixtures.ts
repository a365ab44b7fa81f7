/** Shared pieces of the API tests: a fixed-status input and a bearer header. */
import type { Input } from '../../gateway/core/pipeline.ts';
import type { DeviceStatus } from '../../gateway/core/sample.ts';

export const TOKEN = 'test-token-0123456789';
export const auth = { authorization: `Bearer ${TOKEN}` };

export function fixedInput(status: DeviceStatus): Input {
  return {
    id: status.id,
    start: async () => {},
    stop: async () => {},
    status: () => status,
    onSamples: () => () => {},
    onStatus: () => () => {},
  };
}
