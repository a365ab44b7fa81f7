/** node-opcua's errors in words an engineer can act on, naming the device, the endpoint and the status code. */
import { redactText } from '../../config/redact.ts';

interface Named {
  id: string;
  endpoint: string;
  username?: string;
}

const RULES: Array<[RegExp, (d: Named, code: string) => string]> = [
  [
    /BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/,
    (d, code) =>
      d.username === undefined
        ? `${d.endpoint} refused anonymous login (${code}); set username and password`
        : `${d.endpoint} refused login as "${d.username}": wrong username or password (${code})`,
  ],
  [
    /server Certificate verification failed|BadCertificateUntrusted/,
    (d, code) =>
      `the server certificate of ${d.endpoint} is not trusted (${code}); it changed since first use or is unknown: ` +
      `move it from <pkiDir>/client/rejected to <pkiDir>/client/trusted/certs to accept it`,
  ],
  [
    /BadSecurityChecksFailed|BadCertificate/,
    (d, code) => `${d.endpoint} rejected the client certificate (${code}); trust <pkiDir>/client/own/certs/client_certificate.pem on the server`,
  ],
  [
    /BadSecurityPolicyRejected|BadSecurityModeRejected|cannot find an endpoint/i,
    (d) => `${d.endpoint} offers no endpoint with the configured securityMode/securityPolicy; \`telltale probe ${d.endpoint}\` lists what it offers`,
  ],
  [/ECONNREFUSED/, (d) => `connection refused by ${d.endpoint}`],
  [/ENOTFOUND|EAI_AGAIN/, (d) => `cannot resolve the host of ${d.endpoint}`],
];

/** subject opens the message: the device by default, e.g. "probe opc.tcp://…" for the probe. */
export function describeError(e: unknown, d: Named, subject = `OPC UA device ${d.id}`): string {
  const message = e instanceof Error ? e.message : String(e);
  // The text is stored as lastError and served: an endpoint's user-info never goes with it.
  for (const [pattern, explain] of RULES) {
    const m = pattern.exec(message);
    if (m) return redactText(`${subject}: ${explain(d, m[0])}`);
  }
  return redactText(`${subject} (${d.endpoint}): ${message}`);
}
