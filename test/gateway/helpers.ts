/** Shared set-up of the gateway tests: a quiet logger, loopback servers, a gateway run from a temp file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Gateway } from '../../gateway/gateway';
import { createLogger } from '../../observability/logger';

/** The tests assert on behaviour, not on log lines. */
export const quietLogger = createLogger({ level: 'error', json: false, sink: () => undefined });

/** Starts `server` on 127.0.0.1 with a port the OS picks; resolves with that port. */
export async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A fresh temp folder and the path of the gateway config file in it (not written yet). */
export function gatewayFolder(prefix: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: path.join(dir, 'gateway.yaml') };
}

/** Writes `config` to `file` and starts a gateway that watches it. */
export function startGateway(file: string, config: string): Promise<Gateway> {
  writeFileSync(file, config);
  return Gateway.start(file, quietLogger);
}
