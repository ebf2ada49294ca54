/**
 * `npm start` (gateway/src/stack.ts) as a process: the services it starts and their ports come from
 * `stack:` of the config it is given, <NAME>_PORT moves one, and a taken port is one line naming it
 * and that variable, before anything starts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortTaken } from './taken-ports.ts';

const GATEWAY_DIR = fileURLToPath(new URL('../../', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'concord-stack-'));
const run = promisify(execFile);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// An upstream program: says which PORT it was given on every answer, as a customers list.
writeFileSync(
  join(dir, 'stub.mjs'),
  `import { createServer } from 'node:http';
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-stub-port': process.env.PORT });
  res.end(JSON.stringify({ data: [], next_cursor: null }));
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('stub up'));
`,
);

function writeConfig(name: string, stack: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `server: { watchConfig: false }
upstreams:
  customers-stub: { url: "http://127.0.0.1:1" }
apis:
  - contract: customers.v2
    basePath: /v2
    upstream: customers-stub
    policies: { public: true }
stack:
${stack}
`,
  );
  return file;
}

const stackEnv = (config: string, extra: Record<string, string> = {}) => ({
  ...process.env,
  GATEWAY_CONFIG: config,
  PORT: '0',
  ADMIN_PORT: '0',
  LOG_LEVEL: 'warn',
  ...extra,
});

async function runToExit(config: string, extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/stack.ts'], {
      cwd: GATEWAY_DIR,
      env: stackEnv(config, extra),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `npm start` itself (the bundle it runs, from the repository root), to its exit. */
async function npmStartToExit(extra: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['start', '--silent'], {
      cwd: REPO_DIR,
      env: { ...process.env, ...extra },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `condition` holds; a minute without it fails with `why` (no timing is asserted). */
async function waitFor(condition: () => boolean | Promise<boolean>, why: string): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(why);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('npm start, configured by stack: in the gateway config', () => {
  it('reports a taken port as one line naming it and the variable that moves it, and starts nothing', async () => {
    const port = await freePort();
    const blocker = await listenOn(port);
    try {
      const config = writeConfig(
        'taken.yaml',
        `  services:
    customers: { port: ${port} }
    orders: { port: 0 }
    inventory: { port: 0 }
    webhooks: { port: 0 }`,
      );
      const result = await runToExit(config);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`port ${port} (customers) is taken: set CUSTOMERS_PORT to another port (0 picks a free one)`);
      expect(result.stdout).not.toContain('starting');

      const command = writeConfig('taken-command.yaml', `  services:\n    customers-stub: { command: node stub.mjs, port: ${port} }`);
      const other = await runToExit(command);
      expect(other.code).toBe(1);
      expect(other.stderr.trim()).toBe(
        `port ${port} (customers-stub) is taken: set CUSTOMERS_STUB_PORT to another port (0 picks a free one)`,
      );
      expect(other.stdout).not.toContain('stub up');

      // The gateway's own port too.
      const gateway = await runToExit(command, { PORT: String(port), CUSTOMERS_STUB_PORT: '0' });
      expect(gateway.code).toBe(1);
      expect(gateway.stderr.trim()).toBe(`port ${port} (gateway) is taken: set PORT to another port (0 picks a free one)`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 180_000);

  it('refuses a port variable that is not a port in one line naming it and its value, before starting anything', async () => {
    for (const [variable, value] of [
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['ADMIN_PORT', '-1'],
      ['CUSTOMERS_PORT', 'x'],
    ] as const) {
      const result = await npmStartToExit({ PORT: '0', ADMIN_PORT: '0', [variable]: value });
      expect(result.code, `${variable}=${value}`).toBe(1);
      expect(result.stderr).toBe(`${variable} must be a port number (0-65535), got "${value}"\n`);
      expect(result.stdout).not.toContain('starting');
    }
  }, 180_000);

  it('refuses a stack that names an unknown system API, or part of the system APIs, with the line of the config', async () => {
    const config = writeConfig('unknown.yaml', '  services:\n    billing: { port: 0 }\n    customers: { port: 0 }');
    const result = await runToExit(config);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown\.yaml:\d+:\d+ stack\.services\.billing: "billing" is not a Concord system API/);
    expect(result.stderr).toMatch(/stack\.services: the system APIs start together: list orders, inventory, webhooks too, or none of them/);
  }, 120_000);

  it('starts the services the config lists on their ports, moved by <NAME>_PORT, routes to them, and stops them with itself', async () => {
    const config = writeConfig('command.yaml', '  services:\n    customers-stub: { command: node stub.mjs, port: 1 }');
    const stubPort = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/stack.ts'], {
      cwd: GATEWAY_DIR,
      env: stackEnv(config, { CUSTOMERS_STUB_PORT: String(stubPort) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines: string[] = [];
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          lines.push(line);
          // The banner's last line: the demo partner's token request.
          if (line.includes('/oauth/token')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${stderr}`)));
      });
      expect(lines).toContain('[customers-stub] stub up');
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  customers-stub http://127\\.0\\.0\\.1:${stubPort}  \\d+ ms$`)));
      const gatewayUrl = lines.map((line) => /^ {2}gateway +(http:\/\/localhost:\d+)$/.exec(line)?.[1]).find(Boolean)!;
      expect(gatewayUrl).toBeDefined();
      expect(lines).toContainEqual(expect.stringMatching(/^ready in \d+\.\d s$/));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}portal +${gatewayUrl}/docs`)));
      expect(lines).toContain('  client_id:     demo-partner');
      expect((await fetch(`${gatewayUrl}/docs`)).status).toBe(200);
      const res = await fetch(`${gatewayUrl}/v2/customers`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-stub-port')).toBe(String(stubPort));
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(await isPortTaken(stubPort, '127.0.0.1')).toBe(false);
  }, 180_000);
  it('reloads on kill -HUP, and stops with its services when the terminal it runs in closes', async () => {
    const config = writeConfig('hangup.yaml', '  services:\n    customers-stub: { command: node stub.mjs, port: 1 }');
    const stubPort = await freePort();
    // `script` gives the stack a terminal of its own; killing `script` closes that terminal, as closing
    // a window does, and the kernel sends the stack SIGHUP. `exec`, so the stack is script's child
    // whatever the shell.
    const terminal = spawn('script', ['-qefc', `exec ${process.execPath} --import tsx src/stack.ts`, '/dev/null'], {
      cwd: GATEWAY_DIR,
      // At info, so the reload says so.
      env: stackEnv(config, { CUSTOMERS_STUB_PORT: String(stubPort), LOG_LEVEL: 'info' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const gatewayUrl = await new Promise<string>((resolve, reject) => {
      terminal.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        const url = /^ {2}gateway +(http:\/\/localhost:\d+)\r?$/m.exec(output)?.[1];
        if (url && output.includes('/oauth/token')) resolve(url);
      });
      terminal.once('exit', (code) => reject(new Error(`the stack exited (${code}):\n${output}`)));
    });
    const gatewayPort = Number(new URL(gatewayUrl).port);
    const { stdout: pids } = await run('pgrep', ['-P', String(terminal.pid)]);
    const stackPid = Number(pids.trim().split('\n')[0]);

    try {
      // SIGHUP with the terminal still there is kill -HUP: a reload, and the stack keeps serving.
      process.kill(stackPid, 'SIGHUP');
      await waitFor(() => output.includes('config reloaded'), `no reload line after SIGHUP:\n${output}`);
      expect((await fetch(`${gatewayUrl}/v2/customers`)).status).toBe(200);

      terminal.kill('SIGKILL');
      await waitFor(
        async () => !(await isPortTaken(gatewayPort, '127.0.0.1')) && !(await isPortTaken(stubPort, '127.0.0.1')),
        'ports still held',
      );
      await waitFor(() => !processAlive(stackPid), `the stack (pid ${stackPid}) outlived its terminal`);
    } finally {
      // An orphan must not outlive a failed run.
      if (processAlive(stackPid)) process.kill(stackPid, 'SIGTERM');
    }
  }, 180_000);
});
