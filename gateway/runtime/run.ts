/** Runs a Gateway as a foreground service: start, print where everything is, stop cleanly on SIGINT/SIGTERM. */
import type { GatewayConfig } from '../config/schema.ts';
import { validateConfig } from '../config/load.ts';
import { makeRedactor, redactText, secretValues } from '../config/redact.ts';
import { Gateway, type GatewayOptions } from './gateway.ts';
import { ListenError } from './listen-error.ts';
import { stopOnSignals } from './signals.ts';

export interface PortOverrides {
  apiPort?: string;
  editorPort?: string;
  dataDir?: string;
  /** Bind the API and the editor to this address. */
  host?: string;
}

/** Parses a --*-port option: an integer 0–65535 (0 = any free port). */
export function parsePort(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`${option}: expected a port number 0–65535 (got "${value}")`);
  return n;
}

/** Applies command-line overrides to a (frozen) config and re-validates it. */
export function withOverrides(config: GatewayConfig, o: PortOverrides): GatewayConfig {
  const plain = structuredClone(config) as GatewayConfig;
  if (o.dataDir !== undefined) plain.gateway.dataDir = o.dataDir;
  if (o.apiPort !== undefined) plain.api.port = parsePort(o.apiPort, '--api-port');
  if (o.editorPort !== undefined) plain.editor.port = parsePort(o.editorPort, '--editor-port');
  if (o.host !== undefined) {
    plain.api.host = o.host;
    plain.editor.host = o.host;
  }
  return validateConfig(plain, { source: 'command line' });
}

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** Prints a start-up failure the operator can fix (a busy port) as one line and sets exit code 1; rethrows bugs. */
export function reportStartFailure(command: string, err: unknown, what?: string): void {
  const code = (err as { code?: string }).code;
  if (!(err instanceof ListenError) && !(code !== undefined && LISTEN_CODES.has(code))) throw err;
  process.stderr.write(`telltale ${command}: ${what ? `${what}: ` : ''}${(err as Error).message}\n`);
  process.exitCode = 1;
}

export interface RunOptions extends GatewayOptions {
  /** Extra shutdown work after the gateway stopped (the demo's simulator). */
  afterStop?: () => Promise<void>;
  /** Lines printed once everything runs. */
  banner?: (gw: Gateway) => string[];
  /** false: the banner's own output lines replace the gateway.yaml tsdb/uplink lines (the demo's servers are its own). */
  describeOutputs?: boolean;
}

/**
 * From now on everything this process prints (our lines, Node-RED's log, a library's message) goes through the
 * redactor: URL user-info, secret query parameters and these secret values in any encoding become ***. Returns the
 * undo. Writes are masked whole, so a secret split across two writes could pass: our writers print whole lines.
 */
export function redactProcessOutput(secrets: readonly string[]): () => void {
  const redact = makeRedactor(secrets);
  const undo: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : chunk;
      return (write as (...a: unknown[]) => boolean).call(this, typeof text === 'string' ? redact(text) : text, ...rest);
    } as typeof stream.write;
    undo.push(() => { stream.write = write; });
  }
  return () => undo.forEach((u) => u());
}

export async function runGateway(opts: RunOptions): Promise<Gateway> {
  const t0 = performance.now();
  // A foreground service: nothing it prints may carry a password, token or URL credentials.
  redactProcessOutput(secretValues(opts.config, process.env));
  // Signals are handled from the first moment: a SIGTERM during start-up waits for it, then stops cleanly.
  const starting = Gateway.start(opts);
  stopOnSignals(async () => {
    const gw = await starting.catch(() => undefined);
    await gw?.stop();
    await opts.afterStop?.();
  });
  const gw = await starting;
  const lines = [
    `Telltale gateway "${opts.config.gateway.id}" running (started in ${Math.round(performance.now() - t0)} ms)`,
    `  API:          ${gw.apiUrl}healthz`,
    ...(gw.editorUrl ? [`  Flow editor:  ${gw.editorUrl}`, `  ${gw.editorLogin ?? 'Editor login: set by the caller'}`, `  Flow file:    ${gw.flowFile}`] : ['  Flow editor:  not served (editor.enabled: false; the flows run)', `  Flow file:    ${gw.flowFile}`]),
    ...gw.tlsLines.map((l) => `  ${l}`),
    `  Data dir:     ${gw.dataDir}`,
    ...(opts.describeOutputs === false ? [] : gw.describeOutputs().map((l) => `  ${redactText(l)}`)),
    ...(opts.banner?.(gw) ?? []).map((l) => redactText(l)),
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return gw;
}
