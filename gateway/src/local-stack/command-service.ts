import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandService {
  name: string;
  url: string;
  /** SIGTERM to the program (its whole process group), SIGKILL if it has not exited after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export interface CommandServiceOptions {
  name: string;
  command: string;
  port: number;
  cwd: string;
  readyTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Each line the program writes, prefixed with its name. */
  log: (line: string) => void;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A service of `stack.services` given as a command: started through the shell with its port in
 * PORT, in its own process group (so stopping it stops what the shell started), and ready once its
 * port accepts connections. A program that exits first, or is not listening within readyTimeoutMs,
 * fails the start with its name.
 */
export async function startCommandService(options: CommandServiceOptions): Promise<CommandService> {
  const child = spawn(options.command, {
    shell: true,
    cwd: options.cwd,
    detached: true,
    env: { ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (l) => options.log(`[${options.name}] ${l}`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const signal = (name: NodeJS.Signals) => {
    if (exitCode !== undefined || child.pid === undefined) return;
    try {
      process.kill(-child.pid, name);
    } catch {
      // Already gone.
    }
  };
  const close = async (graceMs = 5000) => {
    signal('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      signal('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${options.name} (${options.command}) exited with ${exitCode} before listening on port ${options.port}`);
    if (await accepts(options.port)) break;
    if (Date.now() > deadline) {
      await close(1000);
      throw new Error(`${options.name} (${options.command}) did not listen on port ${options.port} within ${options.readyTimeoutMs} ms`);
    }
    await sleep(100);
  }
  return { name: options.name, url: `http://127.0.0.1:${options.port}`, close };
}
