import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

describe('runtime', () => {
  it('runs on the pinned Node.js 24 LTS, not the system Node', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });
  it('disables onnxruntime telemetry', () => {
    expect(process.env.ORT_DISABLE_TELEMETRY).toBe('1');
  });
  it('declares engines >= 24', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.engines.node).toBe('>=24');
  });
});
