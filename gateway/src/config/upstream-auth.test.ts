import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseProcessEnv } from './env.ts';
import { ConfigError, parseConfig } from './load-config.ts';

const config = (upstream: string) => `upstreams:
  crm:
    url: http://127.0.0.1:4001
${upstream}
apis:
  - contract: customers.v2
    basePath: /v2
    upstream: crm
`;

function problemsOf(text: string, variables: Record<string, string> = {}) {
  try {
    parseConfig(text, '/etc/concord/gateway.config.yaml', parseProcessEnv(variables));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('upstream credentials and forwarded headers in the config', () => {
  it("refuses to forward a client's credentials, naming line and column", () => {
    expect(problemsOf(config('    forwardHeaders: [x-tenant, Authorization, cookie, Proxy-Authorization]'))).toEqual([
      expect.stringMatching(/^4:32 upstreams\.crm\.forwardHeaders\[1\]: carries the client's credentials/),
      expect.stringMatching(/^4:47 upstreams\.crm\.forwardHeaders\[2\]: carries the client's credentials/),
      expect.stringMatching(/^4:55 upstreams\.crm\.forwardHeaders\[3\]: carries the client's credentials/),
    ]);
  });

  it('refuses a secret written inline', () => {
    expect(problemsOf(config('    auth: { type: header, name: X-Api-Key, value: hunter2 }'))).toEqual([
      expect.stringMatching(/^4:51 upstreams\.crm\.auth\.value: a secret is read from \{ env: VARIABLE \} or \{ file: \/path \}/),
    ]);
  });

  it('names the variable that is not set and the file that cannot be read', () => {
    const text = config(`    auth:
      type: basic
      username: { env: LEGACY_USER }
      password: { file: secrets/legacy-password }`);
    expect(problemsOf(text)).toEqual([
      '6:24 upstreams.crm.auth.username.env: the environment variable LEGACY_USER is not set',
      '7:25 upstreams.crm.auth.password.file: /etc/concord/secrets/legacy-password cannot be read (ENOENT)',
    ]);
  });

  it('refuses a header the gateway sets itself, and a plain-http token endpoint off this host', () => {
    expect(problemsOf(config('    auth: { type: header, name: X-Request-Id, value: { env: K } }'), { K: 'v' })).toEqual([
      expect.stringMatching(/upstreams\.crm\.auth\.name: is a header the gateway sets itself/),
    ]);
    const oauth = config(`    auth:
      type: oauth2ClientCredentials
      tokenUrl: http://idp.example/oauth/token
      clientId: concord
      clientSecret: { env: S }`);
    expect(problemsOf(oauth, { S: 's' })).toEqual([expect.stringMatching(/^6:17 upstreams\.crm\.auth\.tokenUrl: must be https/)]);
  });

  it('keeps a secret it read out of logs and JSON', () => {
    const parsed = parseConfig(
      config('    auth: { type: header, name: X-Api-Key, value: { env: CRM_KEY } }'),
      'x.yaml',
      parseProcessEnv({ CRM_KEY: 'very-secret-value' }),
    );
    expect(JSON.stringify(parsed)).not.toContain('very-secret-value');
    expect(inspect(parsed, { depth: 10 })).not.toContain('very-secret-value');
    const auth = parsed.upstreams['crm']!.auth!;
    expect(auth.type === 'header' && auth.value.secret?.reveal()).toBe('very-secret-value');
  });
});
