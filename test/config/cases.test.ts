/**
 * Bad configurations, one folder each (Telegraf's testcases/ are the model): config.yaml, the exact error text in
 * expected.txt and, optionally, environment variables in env (KEY=VALUE lines). The file is named gateway.yaml in
 * messages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../gateway/config/load.ts';

const casesDir = join(import.meta.dirname, 'cases');

function readEnv(file: string): NodeJS.ProcessEnv {
  if (!existsSync(file)) return {};
  const env: NodeJS.ProcessEnv = {};
  for (const line of readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')) {
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

const cases = readdirSync(casesDir).sort();

describe('parseConfig on bad configurations', () => {
  it('has at least 15 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('reports %s exactly', (name) => {
    const dir = join(casesDir, name);
    const text = readFileSync(join(dir, 'config.yaml'), 'utf8');
    const expected = readFileSync(join(dir, 'expected.txt'), 'utf8').trimEnd();
    let thrown: unknown;
    try {
      parseConfig(text, 'gateway.yaml', readEnv(join(dir, 'env')));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(expected);
    expect((thrown as ConfigError).problems.length).toBe(expected.split('\n').length);
  });
});
