import { describe, expect, it } from 'vitest';
import { DeviceRegistry, DuplicateDeviceError } from '../../gateway/runtime/registry.ts';
import type { Input } from '../../gateway/core/pipeline.ts';

const input = (id: string, samples = 0): Input => ({
  id,
  start: async () => {},
  stop: async () => {},
  status: () => ({ id, protocol: 'modbus-tcp', state: 'connected', connected: true, samples, errors: 0, reconnects: 0, requests: 0 }),
  onSamples: () => () => {},
  onStatus: () => () => {},
});

describe('DeviceRegistry', () => {
  it('lists statuses in registration order', () => {
    const r = new DeviceRegistry();
    r.register(input('b', 2));
    r.register(input('a', 1));
    expect(r.statuses().map((s) => [s.id, s.samples])).toEqual([['b', 2], ['a', 1]]);
  });

  it('refuses a duplicate id with a coded error naming the device', () => {
    const r = new DeviceRegistry();
    r.register(input('pump-1'));
    expect(() => r.register(input('pump-1'))).toThrow(DuplicateDeviceError);
    expect(() => r.register(input('pump-1'))).toThrow(/device "pump-1" is already registered/);
  });

  it('unregisters through the returned function, only its own entry', () => {
    const r = new DeviceRegistry();
    const off = r.register(input('pump-1'));
    off();
    const replacement = input('pump-1');
    r.register(replacement);
    off();
    expect(r.get('pump-1')).toBe(replacement);
  });

  it('tells listeners about changes', () => {
    const r = new DeviceRegistry();
    const events: string[] = [];
    r.onChange((e) => events.push(`${e.type}:${e.id}`));
    r.register(input('x'));
    r.unregister('x');
    r.unregister('x');
    expect(events).toEqual(['registered:x', 'unregistered:x']);
  });
});
