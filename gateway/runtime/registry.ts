/**
 * The one list of running acquisition inputs: the YAML-configured devices the Gateway starts and the devices
 * Node-RED config nodes create register here, so /healthz and the CLI see them all.
 */
import type { Input } from '../core/pipeline.ts';
import type { DeviceStatus } from '../core/sample.ts';

export class DuplicateDeviceError extends Error {
  readonly code = 'TELLTALE_ERR_DEVICE_EXISTS';
  constructor(id: string) {
    super(`device "${id}" is already registered; device ids must be unique across the YAML config and the flow`);
    this.name = 'DuplicateDeviceError';
  }
}

export type RegistryEvent = { type: 'registered' | 'unregistered'; id: string };

export class DeviceRegistry {
  readonly #inputs = new Map<string, Input>();
  readonly #listeners = new Set<(event: RegistryEvent) => void>();

  /** Adds an input; throws DuplicateDeviceError if the id is taken. Returns a function that unregisters it. */
  register(input: Input): () => void {
    if (this.#inputs.has(input.id)) throw new DuplicateDeviceError(input.id);
    this.#inputs.set(input.id, input);
    this.#emit({ type: 'registered', id: input.id });
    return () => {
      if (this.#inputs.get(input.id) === input) this.unregister(input.id);
    };
  }

  /** Removes an input (it is not stopped: whoever created it stops it). Returns whether it was registered. */
  unregister(id: string): boolean {
    const had = this.#inputs.delete(id);
    if (had) this.#emit({ type: 'unregistered', id });
    return had;
  }

  get(id: string): Input | undefined {
    return this.#inputs.get(id);
  }

  has(id: string): boolean {
    return this.#inputs.has(id);
  }

  get size(): number {
    return this.#inputs.size;
  }

  list(): Input[] {
    return [...this.#inputs.values()];
  }

  /** Current status of every input, in registration order. */
  statuses(): DeviceStatus[] {
    return this.list().map((input) => input.status());
  }

  onChange(listener: (event: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: RegistryEvent): void {
    for (const l of this.#listeners) l(event);
  }
}
