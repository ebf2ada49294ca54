/**
 * The services' and the gateway's log lines: pretty at a terminal, JSON otherwise. The process is
 * spawned the way a person or a pipe runs it: under a pseudo-terminal (`script`) and with stdout a pipe.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { logDestination } from '@concord/contracts/src/logging/log-destination.ts';

const run = promisify(execFile);
const RUNTIME_DIR = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'concord-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One line through the logger, as a service writes it.
const program = `import { createServiceLogger } from './src/logging/service-logger.ts';
createServiceLogger({ service: 'orders' }).info({ order: 'o-1' }, 'order placed');`;

describe('service logs', () => {
  it('are one JSON object a line when stdout is not a terminal', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { cwd: RUNTIME_DIR });
    const line = JSON.parse(stdout.trim());
    expect(line).toMatchObject({ level: 'info', service: 'orders', order: 'o-1', msg: 'order placed' });
    expect(typeof line.time).toBe('string');
  }, 60_000);

  it('are pretty lines (time, level, message, fields) at a terminal', async () => {
    const command = `${process.execPath} --import tsx --input-type=module -e "${program.replaceAll('"', '\\"')}"`;
    // `script` gives the program a pseudo-terminal for stdout, as a shell in a terminal does.
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { cwd: RUNTIME_DIR });
    const text = stripVTControlCharacters(stdout);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[orders\] order placed\r?\n {4}order: "o-1"/m);
    expect(text).not.toContain('{"level"');
  }, 60_000);

  it('go wherever the destination says, JSON or pretty, through the factory', () => {
    for (const isTTY of [false, true]) {
      const file = join(dir, `out-${isTTY}.log`);
      const fd = openSync(file, 'w');
      pino(logDestination({ fd, isTTY })).info({ sku: 'SKU-1' }, 'stock low');
      closeSync(fd);
      const written = stripVTControlCharacters(readFileSync(file, 'utf8'));
      if (isTTY) expect(written).toMatch(/INFO.*stock low[\s\S]*sku: "SKU-1"/);
      else expect(JSON.parse(written)).toMatchObject({ msg: 'stock low', sku: 'SKU-1' });
    }
  });
});
