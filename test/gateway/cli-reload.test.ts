/**
 * `outrigger gateway --config <file>` as a process: edits of the file are picked up by the file
 * watcher while clients keep sending requests (new and keep-alive connections, forwarded and
 * local replies): no request fails across five reloads; a broken edit is reported on stderr with
 * file and field and the last good config keeps answering; SIGTERM drains and exits 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { listenLocal } from './helpers';
import { freePort } from '../helpers/free-port';

const MAIN = path.resolve(__dirname, '../../cli/main.js');

/** Polls until `check` holds; fails (instead of hanging) after 30s. */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const give = Date.now() + 30_000;
  for (;;) {
    try { if (await check()) return; } catch { /* not yet */ }
    if (Date.now() > give) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function config(port: number, admin: number, upstream: number, body: string, cluster = 'web'): string {
  return `apiVersion: outrigger.dev/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  admin: { port: ${admin} }
  listeners:
    - name: public
      address: 127.0.0.1
      port: ${port}
      virtual_hosts:
        - name: all
          routes:
            - name: version
              match: { path: /version }
              direct_response: { status: 200, body: "${body}" }
            - name: up
              match: { prefix: /up }
              route: { cluster: ${cluster} }
  clusters:
    - name: web
      endpoints: ["127.0.0.1:${upstream}"]
`;
}

test('the gateway process reloads its watched file without failing a request, and refuses a broken edit', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outrigger-gw-cli-'));
  const file = path.join(dir, 'gateway.yaml');
  const upstream = http.createServer((req, res) => { setTimeout(() => res.end(`upstream ${req.url}`), 5); });
  const upPort = await listenLocal(upstream);
  const [port, admin] = [await freePort(), await freePort()];
  writeFileSync(file, config(port, admin, upPort, 'v0'));
  const child = spawn(process.execPath, [MAIN, 'gateway', '--config', file, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const keepAlive = new Agent({ connections: 4 });
  const fresh = new Agent({ pipelining: 0 });
  try {
    const body = async (p: string, agent: Agent = keepAlive): Promise<string> => {
      const r = await request(`http://127.0.0.1:${port}${p}`, { dispatcher: agent });
      const text = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`${p}: HTTP ${r.statusCode} ${text}`);
      return text;
    };
    await until('the gateway to start', async () => (await body('/version')) === 'v0');

    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const worker = async (i: number): Promise<void> => {
      while (!stop) {
        const agent = i % 2 === 0 ? keepAlive : fresh;
        try {
          const t = await body(i % 3 === 0 ? '/version' : `/up/${i}`, agent);
          if (!/^v\d$|^upstream \/up\/\d+$/.test(t)) failures.push(`unexpected body ${t}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
        sent++;
      }
    };
    const workers = Array.from({ length: 6 }, (_v, i) => worker(i));
    for (let v = 1; v <= 5; v++) {
      writeFileSync(file, config(port, admin, upPort, `v${v}`));
      await until(`version v${v}`, async () => (await body('/version')) === `v${v}`);
    }
    writeFileSync(file, config(port, admin, upPort, 'v6', 'nowhere'));
    // The log line is logfmt: the message is quoted, its quotes escaped.
    await until('the rejection on stderr', () => /gateway\.yaml: spec\.listeners\[0\]\.virtual_hosts\[0\]\.routes\[1\]\.route\.cluster: unknown cluster \\?"nowhere\\?"/.test(stderr));
    assert.equal(await body('/version'), 'v5');
    assert.equal(await body('/up/after'), 'upstream /up/after');
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(sent > 50, `only ${sent} requests were sent`);
    const metrics = await request(`http://127.0.0.1:${admin}/stats/prometheus`);
    const text = await metrics.body.text();
    const version = Number(/^outrigger_gateway_config_version (\d+)$/m.exec(text)?.[1]);
    assert.ok(version >= 6, `config version ${version} after five accepted edits`);
    assert.match(text, /^outrigger_gateway_config_reloads_total\{result="rejected"\} [1-9]/m);
  } finally {
    await keepAlive.close();
    await fresh.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    upstream.closeAllConnections();
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
