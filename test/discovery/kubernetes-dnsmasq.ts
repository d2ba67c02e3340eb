/**
 * A real DNS server for the kubernetes resolver tests: dnsmasq (Debian package "dnsmasq") on
 * 127.0.0.1 at a free port, answering only from the records given (no upstream, no /etc/hosts),
 * NXDOMAIN for anything else under the local domains. Records in `mutableHosts` live in a hosts
 * file that setMutableHosts() rewrites and reloads (SIGHUP); they get `mutableTtl` seconds.
 * Every query is logged, so tests can count what reached the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function findDnsmasq(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => join(dir, 'dnsmasq')).find((p) => p.startsWith('/') && existsSync(p));
}

export interface DnsmasqOptions {
  /** --host-record values: "name[,name],[ipv4],[ipv6][,ttl]". */
  readonly hostRecords: readonly string[];
  /** --srv-host values: "_service._proto.name,target,port[,priority,weight]". */
  readonly srvHosts: readonly string[];
  /** Domains answered locally only (NXDOMAIN for unknown names), e.g. "cluster.local". */
  readonly localDomains: readonly string[];
  readonly mutableHosts?: string;
  readonly mutableTtl?: number;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export class Dnsmasq {
  private log = '';
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stderr?.on('data', (c: Buffer) => (this.log += c.toString()));
    child.stdout?.on('data', (c: Buffer) => (this.log += c.toString()));
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(binary: string, o: DnsmasqOptions): Promise<Dnsmasq> {
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freeUdpPort();
      const dir = mkdtempSync(join(tmpdir(), 'outrigger-dnsmasq-'));
      writeFileSync(join(dir, 'hosts'), o.mutableHosts ?? '');
      const args = [
        '--no-daemon', '--conf-file=/dev/null', '--pid-file=', '--log-queries', '--log-facility=-',
        `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
        `--addn-hosts=${join(dir, 'hosts')}`, `--local-ttl=${o.mutableTtl ?? 1}`,
        ...o.localDomains.map((d) => `--local=/${d}/`),
        ...o.hostRecords.map((h) => `--host-record=${h}`),
        ...o.srvHosts.map((s) => `--srv-host=${s}`),
        ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ];
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const d = new Dnsmasq(port, child, dir);
      const exited = new Promise<string>((r) => child.once('exit', (code) => r(`dnsmasq exited (${code}): ${d.log}`)));
      const ready = d.waitReady();
      const outcome = await Promise.race([ready.then(() => 'ready'), exited]);
      if (outcome === 'ready') return d;
      lastError = outcome;
      rmSync(dir, { recursive: true, force: true });
    }
    throw new Error(`could not start dnsmasq: ${lastError}`);
  }

  /** How many queries of `type` for `name` reached the server so far. */
  queries(type: string, name: string): number {
    return this.log.split('\n').filter((l) => l.includes(`query[${type}] ${name} `)).length;
  }

  /** Replaces the mutable hosts file and makes dnsmasq re-read it; resolves once it has. */
  async setMutableHosts(text: string): Promise<void> {
    writeFileSync(join(this.dir, 'hosts'), text);
    const before = this.log.split('read ').length;
    this.child.kill('SIGHUP');
    for (let i = 0; i < 200 && this.log.split('read ').length === before; i++) await new Promise((r) => setTimeout(r, 10));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      await gone;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitReady(): Promise<void> {
    const r = new Resolver({ timeout: 200, tries: 1 });
    r.setServers([this.server]);
    for (let i = 0; i < 50; i++) {
      try {
        await r.resolve4('ready.probe.invalid');
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ENOTFOUND' || code === 'EREFUSED' || code === 'ENODATA') return;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('dnsmasq did not answer');
  }
}
