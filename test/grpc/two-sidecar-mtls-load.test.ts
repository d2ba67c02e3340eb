/**
 * Many concurrent gRPC calls through two real sidecar processes with mTLS between them (client ->
 * sidecar A -> mTLS -> sidecar B -> grpc-js app), as the bench runs them, with client cancellations
 * and app-side deadlines mixed in.
 * Every call must be answered exactly once, with a well-formed status (one response head, a
 * grpc-status, never a stream reset by a sidecar), and both sidecars must keep serving afterwards.
 *
 * Regression: the relay wrote response DATA that arrived before Node emitted the upstream's
 * 'response' event (HEADERS and DATA parsed in one go, common over TLS under load); Node then
 * answered the caller with a bare :status 200 on its own, the relayed head could no longer be
 * sent, and the stream was reset.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { emptyResources, freePort, staticResolutionConfig, tempDir, uniqueAppId } from '../helpers/sidecar';
import { startEchoApp, type EchoApp } from './helpers';
import { startSidecarProcess, type SidecarProcess } from './sidecar-processes';

const { NGHTTP2_CANCEL } = http2.constants;
const UNARY = '/outrigger.test.echo.Echo/Unary';

/** One length-prefixed EchoRequest{text}. */
function echoRequest(text: string): Buffer {
  const body = Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(text)]), Buffer.from(text)]);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

type Kind = 'plain' | 'deadline' | 'cancel';

interface CallOutcome {
  readonly kind: Kind;
  /** 'response' events seen (a response head answered twice would show 2, or a reset). */
  readonly heads: number;
  readonly status: string | undefined;
  readonly rstCode: number | undefined;
  readonly error: string | undefined;
}

/** Yields to the event loop `n` times (no clock involved). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

function call(session: http2.ClientHttp2Session, targetAppId: string, kind: Kind, i: number): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST', ':path': UNARY, 'content-type': 'application/grpc', te: 'trailers', 'dapr-app-id': targetAppId,
    };
    // A deadline the app may or may not meet: it answers OK or DEADLINE_EXCEEDED, both well formed.
    if (kind === 'deadline') headers['grpc-timeout'] = `${1 + (i % 5)}u`;
    const stream = session.request(headers);
    let heads = 0;
    let status: string | undefined;
    let error: string | undefined;
    const take = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
    };
    stream.on('response', (h) => { heads++; take(h); });
    stream.on('trailers', take);
    stream.on('data', () => undefined);
    stream.on('error', (e: Error) => { error = e.message; });
    stream.on('close', () => resolve({ kind, heads, status, rstCode: stream.rstCode, error }));
    if (kind === 'cancel') {
      // The client goes away at some point of the call: before, during or after the answer.
      stream.write(echoRequest(`c${i}`));
      turns(i % 7).then(() => stream.close(NGHTTP2_CANCEL), () => undefined);
    } else {
      stream.end(echoRequest(`m${i}`));
    }
  });
}

describe('gRPC through two sidecars with mTLS, under concurrent load', () => {
  let app: EchoApp;
  let a: SidecarProcess;
  let b: SidecarProcess;
  let idB: string;

  before(async () => {
    app = await startEchoApp();
    const idA = uniqueAppId('grpc-load-a');
    idB = uniqueAppId('grpc-load-b');
    const dataDir = tempDir('outrigger-grpc-mtls-');
    const [portA, portB] = [await freePort(), await freePort()];
    const config = staticResolutionConfig({ [idA]: [`127.0.0.1:${portA}`], [idB]: [`127.0.0.1:${portB}`] });
    const resourcesPath = emptyResources();
    b = await startSidecarProcess({ appId: idB, appPort: app.port, appProtocol: 'grpc', internalPort: portB, config, resourcesPath, dataDir, mtls: true });
    a = await startSidecarProcess({ appId: idA, internalPort: portA, config, resourcesPath, dataDir, mtls: true });
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await app?.close();
  });

  it('answers every call exactly once with a well-formed status, and both sidecars keep serving', async () => {
    const sessions = Array.from({ length: 8 }, () => {
      const s = http2.connect(`http://127.0.0.1:${a.grpcPort}`);
      s.on('error', () => undefined);
      return s;
    });
    const kinds: Kind[] = ['plain', 'plain', 'plain', 'plain', 'deadline', 'cancel'];
    const outcomes: CallOutcome[] = [];
    // A steady number of calls in flight: requests and answers cross the mTLS hop at the same time.
    const TOTAL = 6000;
    const IN_FLIGHT = 128;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        const i = next++;
        outcomes.push(await call(sessions[i % sessions.length], idB, kinds[i % kinds.length], i));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    const bad = outcomes.filter((o) => {
      if (o.kind === 'cancel') {
        // Cancelled by us: either answered in full before the cancel landed, or reset with our CANCEL.
        return o.heads > 1 || (o.status === undefined && o.rstCode !== NGHTTP2_CANCEL);
      }
      const allowed = o.kind === 'deadline' ? ['0', '4'] : ['0'];
      return o.heads !== 1 || o.status === undefined || !allowed.includes(o.status) || o.error !== undefined;
    });
    const summary = new Map<string, number>();
    for (const o of bad) {
      const k = `${o.kind} heads=${o.heads} status=${o.status} rst=${o.rstCode} ${o.error ?? ''}`;
      summary.set(k, (summary.get(k) ?? 0) + 1);
    }
    assert.deepEqual([...summary], [], `calls not answered exactly once with a well-formed status (of ${outcomes.length})`);
    assert.ok(a.alive() && b.alive(), `both sidecars still run\n${a.output()}\n${b.output()}`);
    assert.ok(outcomes.some((o) => o.kind === 'plain' && o.status === '0'), 'plain calls succeed');

    // Both sidecars still serve: a fresh connection gets a clean answer through both hops.
    for (const s of sessions) s.close();
    const fresh = http2.connect(`http://127.0.0.1:${a.grpcPort}`);
    try {
      const last = await call(fresh, idB, 'plain', 0);
      assert.equal(last.status, '0');
      assert.equal(last.heads, 1);
    } finally {
      fresh.close();
    }
  });
});
