import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from 'dockerfile-utils';

const root = join(import.meta.dirname, '../..');
const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
/** Instructions with their arguments, continuation lines joined, comments dropped. */
const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM /i.test(l));
const finalStage = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

describe('docker/Dockerfile', () => {
  it('passes dockerfile-utils lint with no errors or warnings', () => {
    const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('builds in stages on node:24-slim and prunes to production dependencies', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s).toMatch(/^FROM node:24-slim\b/);
    expect(dockerfile).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(dockerfile).toMatch(/ORT_DISABLE_TELEMETRY=1/);
    expect(instructions.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(instructions.some((l) => /npm run build/.test(l) && /npm prune --omit=dev/.test(l))).toBe(true);
  });

  it('runs the final image as a non-root user with a /healthz check, a data volume and telltale start', () => {
    const user = finalStage.filter((l) => /^USER /.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
    // The check is a shipped script that reads the config (HTTP or HTTPS) and asks /healthz.
    const healthcheck = finalStage.find((l) => /^HEALTHCHECK /.test(l));
    expect(healthcheck).toMatch(/CMD \["node", "bin\/healthcheck\.js"/);
    expect(readFileSync(join(root, 'bin/healthcheck.js'), 'utf8')).toContain('/healthz');
    expect(finalStage.some((l) => /^COPY bin /.test(l))).toBe(true);
    expect(finalStage.some((l) => /^ENV .*TELLTALE_CONFIG=\/etc\/telltale\/gateway\.yaml/.test(l))).toBe(true);
    expect(finalStage.some((l) => /^VOLUME .*\/data/.test(l))).toBe(true);
    expect(finalStage.some((l) => l === 'ENTRYPOINT ["node", "bin/telltale.js"]')).toBe(true);
    expect(finalStage.some((l) => /^CMD \["start", "--config", /.test(l))).toBe(true);
  });

  it('copies only files that exist in the repository', () => {
    const sources = instructions
      .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources).toContain('docker/gateway.yaml');
    expect(sources.filter((s) => !existsSync(join(root, s)))).toEqual([]);
  });
});
