/**
 * nginx as the physical reference: a reverse proxy to the same upstream with one worker process
 * (the gateway is one Node process) or as many as the gateway has workers, keep-alive to the upstream like the gateway's undici pool, and
 * its access log written to /dev/null like the gateway's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, sleep, type ReadyProcess } from './processes.ts';
import { spawn } from 'node:child_process';

export const NGINX_INSTALL_HINT =
  'nginx is not installed: the nginx scenarios are skipped. Install it with `apt-get install -y nginx` (Debian/Ubuntu) or `brew install nginx`, then run the bench again.';

export function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/opt/homebrew/bin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export function nginxConfig(dir: string, port: number, upstreamUrl: string, workers = 1): string {
  const upstream = new URL(upstreamUrl);
  return `# Written by test/bench/run.ts
worker_processes ${workers};
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 4096; }
http {
  access_log /dev/null;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  upstream bench_upstream {
    server ${upstream.host};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Starts nginx in the foreground; ready once its port answers. `pids()` is the worker (what serves). */
export async function startNginx(
  binary: string,
  dir: string,
  port: number,
  upstreamUrl: string,
  workers = 1,
): Promise<ReadyProcess & { workerPids(): number[] }> {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, upstreamUrl, workers));
  const started = performance.now();
  const child = spawn(binary, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
    try {
      await fetch(`${url}/customers/cus_4f9a2b7c1d8e`);
      break;
    } catch {
      if (i > 100) throw new Error(`nginx did not answer on ${url}: ${stderr}`);
      await sleep(50);
    }
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    child,
    ready: { url },
    spawnToReadyMs: performance.now() - started,
    workerPids: () => childrenOf(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGQUIT: graceful; SIGTERM: fast shutdown. Either ends the workers with the master.
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
