import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from './node-flags.ts';

const run = promisify(execFile);
const GATEWAY_DIR = fileURLToPath(new URL('../', import.meta.url));
const scripts = (file: string) =>
  (JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('the Node.js flags a gateway runs with', () => {
  it('are on every script that starts a gateway process', () => {
    const root = scripts('../../package.json');
    const gateway = scripts('../package.json');
    for (const [name, script] of [
      ['npm start', root.start],
      ['npm run gateway', root.gateway],
      ['gateway workspace start', gateway.start],
      ['the built gateway (start:dist)', gateway['start:dist']],
    ] as const) {
      for (const flag of GATEWAY_NODE_FLAGS) expect(script, name).toContain(` ${flag} `);
    }
  });

  it('reach Node through tsx, which `npm run gateway` starts the gateway with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-flags-'));
    try {
      const probe = join(dir, 'probe.mjs');
      writeFileSync(probe, 'process.stdout.write(JSON.stringify(process.execArgv));\n');
      const { stdout } = await run('npx', ['tsx', ...GATEWAY_NODE_FLAGS, probe], { cwd: GATEWAY_DIR });
      expect(JSON.parse(stdout)).toEqual(expect.arrayContaining([...GATEWAY_NODE_FLAGS]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
