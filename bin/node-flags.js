// The V8 flags `telltale start`, `demo` and `bench` re-execute themselves with (bin/telltale.js, which says why and
// what they cost); TELLTALE_NODE_FLAGS replaces them ("" = V8's defaults). Shared with the soak (test/faults/soak.ts).
export const DEFAULT_NODE_FLAGS = '--max-semi-space-size=8 --heap-growing-percent=20';

/** The flags to run with under this environment, as argv entries. */
export function nodeFlags(env = process.env) {
  return (env.TELLTALE_NODE_FLAGS ?? DEFAULT_NODE_FLAGS).split(/\s+/).filter(Boolean);
}
