/**
 * Wraps a timer callback or an event handler of an output: whatever it throws is reported (as `<what>: <message>`),
 * never thrown into the event loop, where it would end the process (a full disk must not stop the gateway).
 */
export function guarded<A extends unknown[]>(report: (err: Error) => void, what: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      report(new Error(`${what}: ${(err as Error).message}`, { cause: err }));
    }
  };
}
