/** Reads the gateway's YAML configuration file: syntax errors name file, line and column; then validateConfig. */
import { readFileSync } from 'node:fs';
import { parseDocument, YAMLError } from 'yaml';
import { ConfigError, type ConfigProblem } from './errors.ts';
import type { GatewayConfig } from './schema.ts';
import { validateConfig } from './validate.ts';

export { ConfigError, type ConfigProblem } from './errors.ts';
export { validateConfig, validateDevice, type ValidateOptions } from './validate.ts';

function syntaxProblem(e: YAMLError): ConfigProblem {
  // yaml's message repeats the position and quotes the source; the first line is the reason.
  const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const pos = e.linePos?.[0];
  return { path: '', message: `YAML syntax error: ${reason}`, line: pos?.line, column: pos?.col };
}

/** Parses and validates YAML text; `fileName` names the source in every message. */
export function parseConfig(text: string, fileName: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  // merge: YAML 1.1 `<<: *defaults` keys, so many similar devices or tags can share their settings.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) throw new ConfigError(fileName, doc.errors.map(syntaxProblem));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // e.g. an alias bomb or an alias to nothing
    throw new ConfigError(fileName, [{ path: '', message: `YAML error: ${(e as Error).message}` }]);
  }
  if (value === null || value === undefined) {
    throw new ConfigError(fileName, [{ path: '', message: 'the file is empty (expected a mapping with at least devices:)' }]);
  }
  return validateConfig(value, { source: fileName, env });
}

/** Reads, parses and validates a config file; the result is deep-frozen. Throws ConfigError. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ConfigError(path, [{ path: '', message: `cannot read the config file: ${why}` }]);
  }
  return parseConfig(text, path, env);
}
