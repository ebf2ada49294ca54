import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type FakeUpstream, startFakeUpstream } from '../testing/fake-upstream.ts';
import { customersConfig } from '../testing/test-gateway.ts';

const MiB = 1024 * 1024;
/** validation.maxValidatedBytes by default: the most a validated response may cost. */
const CAP = MiB;
/**
 * Room for the cost of streaming that does not depend on a body's size but may first show on a
 * large one: socket and stream buffers (undici's, Node's Readable, the web stream to
 * @hono/node-server, the response socket's), dead 64 KiB chunks waiting for V8's next GC, malloc
 * keeping freed arenas. Holding a 20 MB body (and its parsed JSON) costs many times the body's size.
 */
const SLACK = 16 * MiB;
const BODY_BYTES = 20_000_000;

/** A customers list of about `bytes` bytes: valid JSON, each item distinct so a reordering shows. */
function listJson(bytes: number): Buffer {
  const item = (i: number) => JSON.stringify({ id: `cus_${i.toString(16).padStart(12, '0')}`, given_name: 'Ada', note: 'x'.repeat(200) });
  const items: string[] = [];
  let size = 30;
  for (let i = 0; size < bytes; i++) {
    const text = item(i);
    items.push(text);
    size += text.length + 1;
  }
  return Buffer.from(`{"data":[${items.join(',')}],"next_cursor":null}`);
}

/** The process's peak resident set (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

/**
 * A 20 MB upstream JSON response through an operation with response validation `report` (the
 * default), measured on a gateway process of its own: its peak RSS may grow by at most the
 * validation cap plus SLACK. The baseline is taken after the same path streamed 8 MB bodies (over
 * the cap too), so warm-up and the size-independent cost of streaming are in it, and what the
 * 20 MB adds is what grows with a body's size: the cap, at most. (Measured on this machine: +7 to
 * +15 MiB over a baseline taken after 2 MB bodies, the same for 80 MB, so it is not the body; and
 * +0 after 8 MB ones. Before the cap, the 20 MB body cost over +300 MiB.)
 */
describe('memory of a large response on a validated route', () => {
  let dir: string;
  let upstream: FakeUpstream;
  let child: ChildProcess;
  let gateway: { url: string; pid: number };
  const bodies = new Map<string, Buffer>([
    ['warm', listJson(8_000_000)],
    ['big', listJson(BODY_BYTES)],
  ]);

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      const size = new URL(req.url, 'http://x').searchParams.get('cursor') ?? 'warm';
      const chunked = size.endsWith('-chunked');
      const body = bodies.get(size.replace('-chunked', ''))!;
      res.writeHead(200, { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': body.byteLength }) });
      if (!chunked) return res.end(body);
      // Chunked: the gateway learns the size only while reading. 64 KiB writes, with backpressure.
      let offset = 0;
      const next = () => {
        while (offset < body.byteLength) {
          const part = body.subarray(offset, offset + 65536);
          offset += part.byteLength;
          if (!res.write(part)) return void res.once('drain', next);
        }
        res.end();
      };
      next();
    });
    dir = await mkdtemp(join(tmpdir(), 'concord-memory-'));
    const configPath = join(dir, 'gateway.config.yaml');
    const config = customersConfig(upstream.url);
    // The test's 2 s call deadline would cut a 20 MB body on a busy machine; memory is measured here.
    (config.upstreams as Record<string, Record<string, unknown>>).customers!.timeoutMs = 60_000;
    await writeFile(configPath, stringify(config));
    const script = fileURLToPath(new URL('../testing/gateway-child.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', script, configPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    gateway = await new Promise((resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line)));
      child.once('exit', (code) => reject(new Error(`the gateway process exited with ${code}`)));
    });
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** GETs the list through the gateway; returns size and digest of what the client received. */
  async function fetchList(cursor: string): Promise<{ status: number; bytes: number; sha256: string }> {
    const res = await request(`${gateway.url}/v2/customers?cursor=${cursor}`);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
    return { status: res.statusCode, bytes, sha256: hash.digest('hex') };
  }
  const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

  it('streams 20 MB, declared or chunked, for at most the cap plus buffers of peak RSS', async () => {
    const idle = await peakRss(gateway.pid);
    for (const cursor of ['warm', 'warm-chunked', 'warm', 'warm-chunked']) {
      expect(await fetchList(cursor)).toMatchObject({ status: 200, bytes: bodies.get('warm')!.byteLength });
    }
    const baseline = await peakRss(gateway.pid);
    const big = bodies.get('big')!;
    const declared = await fetchList('big');
    const afterDeclared = await peakRss(gateway.pid);
    const chunked = await fetchList('big-chunked');
    const afterChunked = await peakRss(gateway.pid);
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    console.info(
      `gateway peak RSS: idle ${mib(idle)}, after 8 MB bodies (baseline) ${mib(baseline)}, after 20 MB with Content-Length ${mib(afterDeclared)} (+${mib(afterDeclared - baseline)}), after 20 MB chunked ${mib(afterChunked)} (+${mib(afterChunked - baseline)}); bound +${mib(CAP + SLACK)}`,
    );
    expect(declared).toEqual({ status: 200, bytes: big.byteLength, sha256: sha256(big) });
    expect(chunked).toEqual({ status: 200, bytes: big.byteLength, sha256: sha256(big) });
    expect(afterChunked - baseline).toBeLessThanOrEqual(CAP + SLACK);
  }, 120_000);
});
