/**
 * Child processes of the benchmark: each prints one JSON line with `"ready": true` on stdout when it
 * serves; its stderr is kept and shown if it dies. Memory comes from /proc/<pid>/status (Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ReadyProcess {
  pid: number;
  child: ChildProcess;
  /** The ready line, parsed. */
  ready: Record<string, unknown>;
  /** From spawn to the ready line, measured by the parent. */
  spawnToReadyMs: number;
  stop(): Promise<void>;
}

export function spawnReady(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ReadyProcess> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise<ReadyProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')} was not ready after ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before it was ready\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (parsed?.ready !== true) return;
      clearTimeout(timer);
      resolve({ pid: child.pid!, child, ready: parsed, spawnToReadyMs: performance.now() - started, stop });
    });
  });
}

export interface MemoryStatus {
  rssMb: number;
  hwmMb: number;
}

/** VmRSS and VmHWM (peak) of a process, in MB; undefined when it is gone or not on Linux. */
export function memoryOf(pid: number): MemoryStatus | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Direct children of a process (nginx's workers), from /proc. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Samples the RSS of some processes while a load runs; `stop()` gives the highest seen (MB). */
export function sampleRss(pids: () => number[], everyMs = 100): { stop(): number | undefined } {
  let peak: number | undefined;
  const sample = () => {
    let total = 0;
    let seen = false;
    for (const pid of pids()) {
      const m = memoryOf(pid);
      if (m && Number.isFinite(m.rssMb)) {
        total += m.rssMb;
        seen = true;
      }
    }
    if (seen) peak = Math.max(peak ?? 0, total);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU time (user + system) used so far by some processes, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // The command name may contain spaces; the fields after it are fixed: utime is the 14th, stime the 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10;
}
