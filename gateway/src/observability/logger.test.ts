import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bufferedDestination, createGatewayLogger } from './logger.ts';

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

  it('holds at most maxLength unwritten bytes when the destination stops reading, and says once that it drops lines', async () => {
    // A FIFO nobody reads: once its 64 KiB are full, every write would have to wait.
    const dir = mkdtempSync(join(tmpdir(), 'concord-log-'));
    const fifo = join(dir, 'stdout');
    execFileSync('mkfifo', [fifo]);
    const readerFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const notices: number[] = [];
    const destination = bufferedDestination(fifo, { maxLength: 64 * 1024, onDropping: (max) => notices.push(max) }) as unknown as {
      write(line: string): boolean;
      on(event: 'drop' | 'ready' | 'error', listener: () => void): void;
      _len: number;
      destroy(): void;
    };
    await new Promise<void>((resolve) => destination.on('ready', resolve));
    let dropped = 0;
    destination.on('drop', () => dropped++);
    const line = `${JSON.stringify({ level: 'info', msg: 'x'.repeat(1000) })}\n`;
    let highest = 0;
    for (let i = 0; i < 2000; i++) {
      destination.write(line);
      highest = Math.max(highest, destination._len);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      expect(dropped).toBeGreaterThan(0);
      expect(highest).toBeLessThanOrEqual(64 * 1024);
      // Once per stretch of drops, not once per dropped line.
      expect(notices.length).toBeGreaterThan(0);
      expect(notices.length).toBeLessThan(dropped);
    } finally {
      // Its retry of the blocked write may still fire on the closed descriptor.
      destination.on('error', () => undefined);
      destination.destroy();
      closeSync(readerFd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
