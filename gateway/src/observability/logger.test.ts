import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createGatewayLogger } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createGatewayLogger({ destination }) };
}

describe('gateway logger', () => {
  it('writes JSON lines and redacts credentials wherever they appear', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=1', 'set-cookie': 'sid=2', accept: 'application/json' },
        req: { headers: { authorization: 'Bearer eyJother' } },
        client_secret: 'cs_123',
      },
      'request',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('eyJsecret');
    expect(text).not.toContain('eyJother');
    expect(text).not.toContain('sid=');
    expect(text).not.toContain('cs_123');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', headers: { accept: 'application/json', authorization: '[redacted]' } });
  });
});
