import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandProcess {
  name: string;
  /** SIGTERM to the program (its whole process group), SIGKILL if it has not exited after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export interface CommandProcessOptions {
  name: string;
  command: string;
  cwd: string;
  /** Ready once this port of 127.0.0.1 accepts connections. */
  readyPort: number;
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
 * A program given by configuration (a service `npm start` runs, a provider `concord verify` starts):
 * started through the shell, in its own process group (so stopping it stops what the shell started),
 * and ready once its port accepts connections. A program that exits first, or is not listening
 * within readyTimeoutMs, fails the start with its name.
 */
export async function startCommandProcess(options: CommandProcessOptions): Promise<CommandProcess> {
  const child = spawn(options.command, {
    shell: true,
    cwd: options.cwd,
    detached: true,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (l) => options.log(`[${options.name}] ${l}`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  // The shell may fork the program rather than exec it: everything is addressed as the group.
  const group = child.pid;
  const signalGroup = (name: NodeJS.Signals | 0): boolean => {
    if (group === undefined) return false;
    try {
      process.kill(-group, name);
      return true;
    } catch {
      return false;
    }
  };
  const groupGone = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (signalGroup(0)) {
      if (Date.now() > until) return false;
      await sleep(25);
    }
    return true;
  };
  const close = async (graceMs = 5000) => {
    signalGroup('SIGTERM');
    if (!(await groupGone(graceMs))) {
      signalGroup('SIGKILL');
      // Bounded: an orphan left as a zombie by a non-reaping init still answers signal 0.
      await groupGone(2000);
    }
    await exited;
  };

  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${options.name} (${options.command}) exited with ${exitCode} before listening on port ${options.readyPort}`);
    if (await accepts(options.readyPort)) break;
    if (Date.now() > deadline) {
      await close(1000);
      throw new Error(
        `${options.name} (${options.command}) did not listen on port ${options.readyPort} within ${options.readyTimeoutMs} ms`,
      );
    }
    await sleep(100);
  }
  return { name: options.name, close };
}
