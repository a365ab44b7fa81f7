import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretEnvName, redactSecrets, redactText, redactUrl, secretForms, secretValues } from '../../gateway/config/redact.ts';

describe('redactUrl', () => {
  it.each([
    ['mqtt://user:pass@broker:1883', 'mqtt://***@broker:1883'],
    ['mqtts://user@broker:8883/x', 'mqtts://***@broker:8883/x'],
    ['http://u:p%40ss@127.0.0.1:8086/db?x=1', 'http://***@127.0.0.1:8086/db?x=1'],
    ['http://h:8086/query?u=admin&p=s3cret&db=x', 'http://h:8086/query?u=***&p=***&db=x'],
    ['wss://x:y@h/mqtt?token=abc&Password=q', 'wss://***@h/mqtt?token=***&Password=***'],
    ['opc.tcp://op:pw@plc:4840/UA', 'opc.tcp://***@plc:4840/UA'],
    // not URLs to WHATWG, or read differently by it: everything up to the last @ is user-info
    ['mqtt://user:pa/ss@host', 'mqtt://***@host'],
    ['http://user:pa?ss@host/db', 'http://***@host/db'],
    ['http://u:123#pw@host', 'http://***@host'],
    ['http://us er:p w@host', 'http://***@host'],
    ['https://u:p@registry.npmjs.org/@types/node', 'https://***@registry.npmjs.org/@types/node'],
  ])('%s → %s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  it('leaves a URL without credentials as it is', () => {
    for (const url of ['opc.tcp://plc:4840/UA/telltale', 'http://HOST:8086/db', 'http://host/?email=a@b.com', 'mqtt://broker', 'https://registry.npmjs.org/@types/node']) expect(redactUrl(url)).toBe(url);
  });
});

describe('redactText', () => {
  it('masks URLs in running text, bare user:pass@host, key=value passwords and Authorization headers', () => {
    expect(redactText('uplink mqtt://alice:s3cret@127.0.0.1:1883: Connection refused: Bad username or password'))
      .toBe('uplink mqtt://***@127.0.0.1:1883: Connection refused: Bad username or password');
    expect(redactText('connect to alice:pw@10.0.0.1 failed')).toBe('connect to ***@10.0.0.1 failed');
    expect(redactText('password=hunter22 and {"password":"x1"}')).toBe('password=*** and {"password":"***"}');
    expect(redactText('Authorization: Basic dXNlcjpwdw==')).toBe('Authorization: Basic ***');
    expect(redactText('at (http://a:b@h/x).')).toBe('at (http://***@h/x).');
  });

  it('masks given secrets as they are, URL-encoded and base64-encoded, also inside longer base64', () => {
    const secret = 'p@ss w/rd!x';
    const text = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(`user:${secret}`).toString('base64')].join(' | ');
    const out = redactText(text, [secret]);
    for (const form of secretForms(secret)) expect(out).not.toContain(form);
    expect(out).not.toContain('ss w/rd');
  });

  it('never lets a password in a URL through, whatever it is made of', () => {
    fc.assert(fc.property(
      fc.constantFrom('http', 'https', 'mqtt', 'mqtts', 'ws', 'opc.tcp'),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
      // Printable ASCII but quotes, backtick and angle brackets, which end a URL in running text, and not an @ together
      // with / ? # or \ (ambiguous even to a URL parser): the gateway masks such passwords by value (secretValues()).
      fc.string({ minLength: 6, maxLength: 24 }).filter((p) => /^[\x21-\x7e]+$/.test(p) && !/["'`<>]/.test(p) && !(p.includes('@') && /[/?#\\]/.test(p)) && !p.includes('***')),
      fc.constantFrom('', '/db', '/path?x=1', ':1883'),
      (scheme, user, password, tail) => {
        const url = `${scheme}://${user}:${password}@host.example${tail}`;
        const out = redactText(`error talking to ${url} now`, []);
        return !out.includes(`${user}:${password}`) && !out.includes(password);
      },
    ), { numRuns: 2000 });
  });
});

describe('redactSecrets and secretValues', () => {
  it('masks password-like keys and every string of a value', () => {
    expect(redactSecrets({ a: [{ password: 'x', b: 1 }], url: 'http://u:p@h', editor: { passwordHash: '$2b$..' } }))
      .toEqual({ a: [{ password: '***', b: 1 }], url: 'http://***@h', editor: { passwordHash: '***' } });
  });

  it('finds the secret env variables, each API token, config passwords and URL passwords', () => {
    expect(['TELLTALE_EDITOR_PASSWORD', 'TELLTALE_EDITOR_PASSWORD_HASH', 'TELLTALE_CREDENTIAL_SECRET', 'TELLTALE_API_TOKEN', 'TELLTALE_API_TOKENS', 'TELLTALE_INFLUX_PASSWORD', 'TELLTALE_MQTT_PASSWORD', 'TELLTALE_DEVICE_PLC_2_PASSWORD', 'TELLTALE_OPCUA_PASSWORD'].every(isSecretEnvName)).toBe(true);
    expect(['TELLTALE_API_TOKENS_FILE', 'TELLTALE_INFLUX_URL', 'TELLTALE_EDITOR_USER', 'PATH'].some(isSecretEnvName)).toBe(false);
    const found = secretValues(
      { tsdb: { url: 'http://a:url-pw-1@h/db' }, uplink: { password: 'cfg-pw-1' }, devices: [{ password: 'dev-pw-1' }] },
      { TELLTALE_API_TOKENS: 'tok-aaaa, tok-bbbb', TELLTALE_API_TOKENS_FILE: '/etc/tokens', TELLTALE_CREDENTIAL_SECRET: 'cred-secret', PATH: '/bin' },
    );
    expect(found.sort()).toEqual(['cfg-pw-1', 'cred-secret', 'dev-pw-1', 'tok-aaaa', 'tok-aaaa, tok-bbbb', 'tok-bbbb', 'url-pw-1']);
  });
});
