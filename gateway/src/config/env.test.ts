import { describe, expect, it } from 'vitest';
import { portFromVariable } from '../local-stack/stack-ports.ts';
import { EnvError, parseProcessEnv } from './env.ts';

function problem(env: Record<string, string>): string {
  try {
    parseProcessEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return (err as Error).message;
  }
  throw new Error('expected the environment to be refused');
}

describe('parseProcessEnv', () => {
  it('reads ports, level and URLs, and treats empty variables as unset', () => {
    const env = parseProcessEnv({ PORT: '8081', ADMIN_PORT: '', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(env.port).toBe(8081);
    expect(env.adminPort).toBeUndefined();
    expect(env.logLevel).toBe('warn');
    expect(env.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('names a port variable that is not a port, with its value and the range', () => {
    expect(problem({ PORT: 'abc' })).toBe('Invalid environment: PORT must be a port number (0-65535), got "abc"');
    expect(problem({ ADMIN_PORT: '70000' })).toBe('Invalid environment: ADMIN_PORT must be a port number (0-65535), got "70000"');
    expect(problem({ PORT: '80.5' })).toContain('PORT must be a port number (0-65535), got "80.5"');
  });

  it('takes a port by the rule `npm start` uses: plain digits, so hex and exponents are refused rather than read as numbers', () => {
    for (const raw of ['0x10', '1e3', '-1', '+80', '0b1']) {
      expect(problem({ PORT: raw })).toBe(`Invalid environment: PORT must be a port number (0-65535), got ${JSON.stringify(raw)}`);
      expect(() => portFromVariable('PORT', raw)).toThrow(`PORT must be a port number (0-65535), got ${JSON.stringify(raw)}`);
    }
    for (const [raw, port] of [
      ['0', 0],
      ['08080', 8080],
      [' 8080 ', 8080],
      ['65535', 65535],
    ] as const) {
      expect(parseProcessEnv({ PORT: raw }).port).toBe(port);
      expect(portFromVariable('PORT', raw)).toBe(port);
    }
  });

  it('lists the levels a wrong LOG_LEVEL could be', () => {
    expect(problem({ LOG_LEVEL: 'verbose' })).toBe(
      'Invalid environment: LOG_LEVEL="verbose" is not a level: use one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('says a URL variable is not a URL without repeating it, since it may hold a password', () => {
    const message = problem({ REDIS_URL: 'hunter2@redis' });
    expect(message).toBe('Invalid environment: REDIS_URL is not a URL (for example redis://127.0.0.1:6379)');
    expect(message).not.toContain('hunter2');
  });

  it('reports every wrong variable at once', () => {
    expect(problem({ PORT: 'x', LOG_LEVEL: 'loud' })).toMatch(
      /PORT must be a port number \(0-65535\), got "x"; LOG_LEVEL="loud" is not a level/,
    );
  });
});
