/**
 * OTLP over gRPC (`spec.tracing.otel.protocol: grpc`): two running sidecars export their spans with
 * the OpenTelemetry SDK's gRPC exporter to a local collector double (@grpc/grpc-js serving
 * TraceService/Export, decoded with the protobuf code shipped in @opentelemetry/otlp-transformer).
 * Checked: parent/child links across the sidecars, Dapr-like names and attributes, `headers` sent
 * as gRPC metadata, `isSecure` choosing TLS or plaintext, the start-up log, a failing collector
 * reported once, and an unknown protocol rejected by the Configuration loader with file and field.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRootAndIssuer, generateP256KeyPair, signLeaf } from '../../certs/x509/pki';
import { startSidecar, type SidecarHandle } from '../../runtime/sidecar';
import { createLogger, type Logger } from '../../observability/logger';
import { freePort, sidecarOptions, startEchoApp, staticResolutionConfig, tempDir, emptyResources, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { formatIssue, loadConfigurationFile } from '../../config';
import { call, eventually } from './helpers';
import { HTTP2_PREFACE, isTlsClientHello, startHandshakeSniffer, startOtlpGrpcReceiver, type OtlpGrpcReceiver } from './otlp-grpc-receiver';
import type { ReceivedSpan } from './span-receivers';

type LogRecord = { level: string; scope: string; msg: string } & Record<string, unknown>;

function capturingLogger(): { logger: Logger; records: LogRecord[]; text: () => string } {
  const records: LogRecord[] = [];
  const raw: string[] = [];
  const logger = createLogger({ level: 'info', json: true, sink: (line) => { raw.push(line); records.push(JSON.parse(line) as LogRecord); } });
  return { logger, records, text: () => raw.join('\n') };
}

const TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;
function spanIdOf(traceparent: string | string[] | null | undefined): string {
  const m = TP.exec(String(traceparent ?? ''));
  assert.ok(m, `a valid traceparent: ${String(traceparent)}`);
  return m[2]!;
}

function otelSpec(endpoint: string, extra: string): string {
  return `  tracing:\n    samplingRate: "1"\n    otel:\n      endpointAddress: "${endpoint}"\n      protocol: grpc\n${extra}`;
}

async function spansOf(rx: OtlpGrpcReceiver, traceId: string, n: number): Promise<ReceivedSpan[]> {
  return eventually(() => {
    const found = rx.spans.filter((s) => s.traceId === traceId);
    return found.length >= n ? found : undefined;
  }, `${n} spans of trace ${traceId} over OTLP/gRPC`);
}

describe('OTLP/gRPC span export across two sidecars', () => {
  let rx: OtlpGrpcReceiver;
  let app: TestApp;
  let a: SidecarHandle;
  let b: SidecarHandle;
  const idA = uniqueAppId('og-a');
  const idB = uniqueAppId('og-b');
  const logA = capturingLogger();
  before(async () => {
    rx = await startOtlpGrpcReceiver();
    app = await startEchoApp();
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    const apps = { [idA]: [`127.0.0.1:${portA}`], [idB]: [`127.0.0.1:${portB}`] };
    // A writes headers in Dapr's string form, B as a list: both become gRPC metadata.
    const specA = otelSpec(`127.0.0.1:${rx.port}`, '      isSecure: false\n      headers: "x-tenant=blue,authorization=Bearer s3cret-token"\n');
    const specB = otelSpec(`127.0.0.1:${rx.port}`, '      isSecure: false\n      headers:\n        - name: x-tenant\n          value: green\n');
    a = await startSidecar(sidecarOptions({ appId: idA, daprInternalGrpcPort: portA, config: staticResolutionConfig(apps, specA), resourcesPaths: [emptyResources()] }), logA.logger);
    b = await startSidecar(sidecarOptions({ appId: idB, daprInternalGrpcPort: portB, appPort: app.port, config: staticResolutionConfig(apps, specB), resourcesPaths: [emptyResources()] }), capturingLogger().logger);
  });
  after(async () => {
    await Promise.all([a?.stop('test done'), b?.stop('test done')]);
    await Promise.all([app?.close(), rx?.close()]);
  });

  test('spans of one call arrive over gRPC, linked caller -> sidecar A -> sidecar B, named like Dapr', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const r = await call(a.httpPort, `/v1.0/invoke/${idB}/method/orders/42`, { headers: { traceparent: `00-${traceId}-${callerSpan}-01` } });
    assert.equal(r.status, 200);
    const spanIdA = spanIdOf(r.headers.get('traceparent'));
    const atApp = [...app.requests].reverse().find((q) => q.url === '/orders/42');
    assert.ok(atApp, 'the app was called');
    const spanIdB = spanIdOf(atApp.headers.traceparent);

    const spans = await spansOf(rx, traceId, 2);
    const spanA = spans.find((s) => s.spanId === spanIdA);
    const spanB = spans.find((s) => s.spanId === spanIdB);
    assert.ok(spanA, 'sidecar A exported the span it returned in traceparent');
    assert.ok(spanB, 'sidecar B exported the span it passed to the app');
    assert.equal(spanA.parentSpanId, callerSpan, 'A continues the caller span');
    assert.equal(spanB.parentSpanId, spanA.spanId, 'B is the child of A');
    assert.equal(spanA.service, idA);
    assert.equal(spanB.service, idB);
    assert.equal(spanA.kind, 'CLIENT');
    assert.equal(spanB.kind, 'SERVER');
    assert.equal(spanA.name, `CallLocal/${idB}/orders/42`);
    assert.equal(spanB.name, `CallLocal/${idB}/orders/42`);
    assert.equal(spanA.attributes['rpc.service'], 'ServiceInvocation');
    assert.equal(spanA.attributes['net.peer.name'], idB);
    assert.equal(spanA.attributes['dapr.protocol'], 'http');
    assert.equal(String(spanA.attributes['dapr.status_code']), '200');
    assert.equal(String(spanB.attributes['dapr.status_code']), '200');
    assert.equal(spanB.attributes['dapr.caller_app_id'], idA);
  });

  test('the configured headers reach the collector as gRPC metadata', async () => {
    const traceId = randomBytes(16).toString('hex');
    await call(a.httpPort, `/v1.0/invoke/${idB}/method/meta`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
    await spansOf(rx, traceId, 2);
    const callOf = (service: string) => rx.calls.find((c) => c.spans.some((s) => s.traceId === traceId && s.service === service));
    const fromA = callOf(idA);
    const fromB = callOf(idB);
    assert.ok(fromA && fromB, 'each sidecar made an Export call');
    assert.equal(fromA.metadata['x-tenant'], 'blue');
    assert.equal(fromA.metadata['authorization'], 'Bearer s3cret-token');
    assert.equal(fromB.metadata['x-tenant'], 'green');
    assert.equal(fromB.metadata['authorization'], undefined);
    assert.match(fromA.metadata['user-agent'] ?? '', /OTel-OTLP-Exporter-JavaScript/);
  });

  test('start-up names the exporter, protocol and endpoint, and never logs header values', () => {
    const line = logA.records.find((r) => r.scope.endsWith('tracing') && r.exporter === 'otlp');
    assert.ok(line, `a tracing start-up line in:\n${logA.text()}`);
    assert.equal(line.level, 'info');
    assert.equal(line.protocol, 'grpc');
    assert.equal(line.endpoint, `127.0.0.1:${rx.port}`);
    assert.equal(line.secure, false);
    assert.equal(line.headers, 'x-tenant,authorization');
    assert.match(line.msg, new RegExp(`otlp/grpc 127\\.0\\.0\\.1:${rx.port}`));
    assert.doesNotMatch(logA.text(), /s3cret-token/);
  });
});

describe('OTLP/gRPC isSecure', () => {
  // isSecure true, and absent (Dapr defaults to secure), must open TLS; false must not.
  const cases: Array<{ name: string; extra: string; tls: boolean }> = [
    { name: 'isSecure: true opens a TLS channel', extra: '      isSecure: true\n', tls: true },
    { name: 'isSecure absent defaults to TLS, as in Dapr', extra: '', tls: true },
    { name: 'isSecure: false opens a plaintext HTTP/2 channel', extra: '      isSecure: false\n', tls: false },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const sniffer = await startHandshakeSniffer();
      const log = capturingLogger();
      const id = uniqueAppId('og-tls');
      const sidecar = await startSidecar(sidecarOptions({ appId: id, config: staticResolutionConfig({ [id]: ['127.0.0.1:1'] }, otelSpec(`127.0.0.1:${sniffer.port}`, `${c.extra}      timeout: 2s\n`)), resourcesPaths: [emptyResources()] }), log.logger);
      try {
        const r = await call(sidecar.httpPort, '/v1.0/metadata');
        assert.equal(r.status, 200);
        const first = await eventually(() => sniffer.firstBytes[0], 'the exporter to connect to the collector address');
        if (c.tls) assert.ok(isTlsClientHello(first), `a TLS ClientHello, got ${JSON.stringify(first.subarray(0, 24).toString('latin1'))}`);
        else assert.equal(first.subarray(0, HTTP2_PREFACE.length).toString('latin1'), HTTP2_PREFACE);
        // The sniffer is no collector: the failed export is reported once, with a stable code.
        const warn = await eventually(() => log.records.find((x) => x.code === 'TRACING_EXPORT_FAILED'), 'the export failure to be logged');
        assert.equal(warn.level, 'warn');
        assert.match(warn.msg, new RegExp(`otlp/grpc 127\\.0\\.0\\.1:${sniffer.port}`));
        const start = log.records.find((x) => x.exporter === 'otlp');
        assert.equal(start?.secure, c.tls);
      } finally {
        await sidecar.stop('test done');
        await sniffer.close();
      }
    });
  }
});

describe('OTLP/gRPC over TLS to a collector with a trusted certificate', () => {
  // The sidecar runs as a child process whose trusted roots are the test CA: grpc-js reads
  // GRPC_DEFAULT_SSL_ROOTS_FILE_PATH (which replaces Node's store) at load, else Node's store with
  // NODE_EXTRA_CA_CERTS (read at process start). The exporter then completes the TLS handshake.
  test('isSecure: true delivers spans to a TLS collector', async () => {
    const ca = await createRootAndIssuer({ trustDomain: 'otlp.test', validityMs: 3_600_000 });
    const leafKey = generateP256KeyPair();
    const leaf = await signLeaf({ issuerCertPem: ca.issuerCertPem, issuerKey: (await import('node:crypto')).createPrivateKey(ca.issuerKeyPem), publicKey: leafKey.publicKey, spiffeId: 'spiffe://otlp.test/collector', dnsNames: ['localhost'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3_600_000) });
    const rx = await startOtlpGrpcReceiver({ tls: { keyPem: leafKey.privateKeyPem, certChainPem: leaf + ca.issuerCertPem } });
    const dir = tempDir('outrigger-otlp-tls-');
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, ca.rootCertPem);
    const id = uniqueAppId('og-tls-rt');
    const config = staticResolutionConfig({ [id]: ['127.0.0.1:1'] }, otelSpec(`localhost:${rx.port}`, '      isSecure: true\n      headers: "x-tenant=tls"\n'));
    const httpPort = await freePort();
    const main = path.resolve(__dirname, '../../cli/main.js');
    const args = [main, 'sidecar', '--app-id', id, '--dapr-http-port', String(httpPort), '--dapr-grpc-port', '0', '--dapr-internal-grpc-port', '0', '--metrics-port', '0', '--resources-path', emptyResources(), '--config', config, '--data-dir', dir, '--log-level', 'info', '--log-as-json'];
    const child = spawn(process.execPath, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: caFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${httpPort}/v1.0/healthz`).then((r) => r.status, () => 0)) === 204 || undefined, 'the child sidecar to be healthy');
      const traceId = randomBytes(16).toString('hex');
      const r = await call(httpPort, '/v1.0/metadata', { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
      assert.equal(r.status, 200);
      const spans = await spansOf(rx, traceId, 1);
      assert.equal(spans[0]!.service, id);
      assert.equal(rx.calls.find((c) => c.spans.some((s) => s.traceId === traceId))?.metadata['x-tenant'], 'tls');
      assert.match(output, /"exporter":"otlp","protocol":"grpc","endpoint":"localhost:\d+","secure":true/);
    } catch (err) {
      throw new Error(`${String(err)}\nsidecar output:\n${output}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await rx.close();
    }
  });
});

describe('Configuration validation of spec.tracing.otel', () => {
  function configFile(otel: string): string {
    const file = path.join(tempDir('outrigger-trcfg-'), 'config.yaml');
    writeFileSync(file, `apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: traced\nspec:\n  tracing:\n    samplingRate: "1"\n    otel:\n${otel}`);
    return file;
  }
  const ctx = { appId: 'traced-app', namespace: 'default', env: {} };

  test('an unknown protocol is refused, naming the file, the field and the allowed values', async () => {
    const file = configFile('      endpointAddress: "127.0.0.1:4317"\n      protocol: quic\n');
    const r = await loadConfigurationFile(file, ctx);
    assert.equal(r.configuration, undefined);
    assert.equal(r.issues[0]?.path, 'spec.tracing.otel.protocol');
    assert.equal(formatIssue(r.issues[0]!), `${file}: spec.tracing.otel.protocol: unknown protocol "quic": expected "grpc" (OTLP/gRPC) or "http" (OTLP/HTTP)`);
  });

  test('a running sidecar reports the unknown protocol at start-up and exports nothing', async () => {
    const file = configFile('      endpointAddress: "127.0.0.1:4317"\n      protocol: quic\n');
    const log = capturingLogger();
    const sidecar = await startSidecar(sidecarOptions({ appId: uniqueAppId('og-bad'), config: file, resourcesPaths: [emptyResources()] }), log.logger);
    try {
      const err = log.records.find((x) => x.level === 'error' && x.msg.includes('spec.tracing.otel.protocol'));
      assert.ok(err, `an error naming the field in:\n${log.text()}`);
      assert.ok(err.msg.includes(file), 'the error names the file');
      assert.ok(err.msg.includes('unknown protocol "quic"'));
      assert.equal(log.records.some((x) => x.exporter !== undefined), false, 'no exporter was started');
    } finally {
      await sidecar.stop('test done');
    }
  });

  test('protocol is case-insensitive; headers accept the string and the list form', async () => {
    const str = await loadConfigurationFile(configFile('      endpointAddress: "c:4317"\n      protocol: GRPC\n      headers: "a=1, b = two=2 ,"\n'), ctx);
    assert.deepEqual(str.issues, []);
    assert.equal(str.configuration?.spec.tracing?.otel?.protocol, 'grpc');
    assert.deepEqual(str.configuration?.spec.tracing?.otel?.headers, [{ name: 'a', value: '1' }, { name: 'b', value: 'two=2' }]);
    const list = await loadConfigurationFile(configFile('      endpointAddress: "c:4317"\n      protocol: grpc\n      headers: [{name: x-key, value: v}]\n'), ctx);
    assert.deepEqual(list.configuration?.spec.tracing?.otel?.headers, [{ name: 'x-key', value: 'v' }]);
  });

  test('headers that cannot be gRPC metadata or are malformed are refused with their field', async () => {
    const binKey = await loadConfigurationFile(configFile('      endpointAddress: "c:4317"\n      protocol: grpc\n      headers: "ok=1,trace-bin=2"\n'), ctx);
    assert.equal(binKey.issues[0]?.path, 'spec.tracing.otel.headers[1].name');
    const spaced = await loadConfigurationFile(configFile('      endpointAddress: "c:4317"\n      protocol: grpc\n      headers: [{name: "x key", value: v}]\n'), ctx);
    assert.equal(spaced.issues[0]?.path, 'spec.tracing.otel.headers[0].name');
    const noEquals = await loadConfigurationFile(configFile('      endpointAddress: "c:4317"\n      protocol: grpc\n      headers: "justakey"\n'), ctx);
    assert.equal(noEquals.issues[0]?.path, 'spec.tracing.otel.headers');
    assert.match(noEquals.issues[0]?.message ?? '', /name=value/);
  });
});
