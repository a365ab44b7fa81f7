/**
 * Exponential backoff with jitter for MQTT.js's own reconnect loop. MQTT.js 5 retries at a fixed
 * `reconnectPeriod` (its issue #561 for backoff was closed unimplemented); a fleet of gateways hammering a broker
 * that just came back is what backoff prevents. We keep MQTT.js's loop and only lengthen its period after each
 * failed attempt, resetting it on connect. Its timer methods are private: if a future MQTT.js lacks them, the
 * fixed period stays (logged once through onFallback) rather than anything breaking.
 */
import type { MqttClient } from 'mqtt';

export interface BackoffOptions { initialMs: number; maxMs: number; random?: () => number }

interface ReconnectInternals { options: { reconnectPeriod?: number }; _clearReconnect?: () => void; _setupReconnect?: () => void; connected: boolean }

export class ReconnectBackoff {
  private readonly opts: BackoffOptions;
  private failures = 0;
  private current: number;

  constructor(opts: BackoffOptions) {
    this.opts = opts;
    this.current = opts.initialMs;
  }

  /** Delay before the next attempt: initial × 2^failures, capped, with ±20 % jitter so gateways spread out. */
  get delayMs(): number { return this.current; }

  next(): number {
    this.failures += 1;
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** Math.min(this.failures, 20));
    const jitter = 0.8 + 0.4 * (this.opts.random ?? Math.random)();
    this.current = Math.max(this.opts.initialMs, Math.min(this.opts.maxMs, Math.round(base * jitter)));
    return this.current;
  }

  reset(): void {
    this.failures = 0;
    this.current = this.opts.initialMs;
  }

  /** Wires the backoff into a client: longer period after each close while offline, initial again on connect. */
  attach(client: MqttClient, onFallback: (why: string) => void = () => undefined): void {
    const c = client as unknown as ReconnectInternals;
    let warned = false;
    client.on('connect', () => {
      this.reset();
      c.options.reconnectPeriod = this.current;
    });
    client.on('close', () => {
      if (c.connected) return;
      const delay = this.next();
      c.options.reconnectPeriod = delay;
      if (typeof c._clearReconnect === 'function' && typeof c._setupReconnect === 'function') {
        // Restart MQTT.js's interval so the new period applies to the next attempt.
        c._clearReconnect();
        c._setupReconnect();
      } else if (!warned) {
        warned = true;
        onFallback('this MQTT.js has no reconnect timer hooks: reconnecting at a fixed period');
      }
    });
  }
}
