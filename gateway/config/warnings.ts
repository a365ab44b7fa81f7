/** What a valid configuration still does unsafely: reported by `config check` (exit 0) and at start, never refused. */
import { plaintextLoginWarning } from '../acquisition/opcua/config.ts';
import type { ConfigProblem } from './errors.ts';
import type { GatewayConfig } from './schema.ts';

export function configWarnings(config: GatewayConfig): ConfigProblem[] {
  return config.devices.flatMap((d, i) => {
    const message = d.protocol === 'opcua' ? plaintextLoginWarning(d) : undefined;
    return message ? [{ path: `devices[${i}]`, message }] : [];
  });
}
