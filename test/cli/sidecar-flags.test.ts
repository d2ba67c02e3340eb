import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stableInternalPort } from '../../runtime/options';
import { daprdDefaults } from '../helpers/daprd-defaults';
import { parseSidecarArgs, sidecarSettings, type ParsedSidecarOptions, type SidecarParse } from '../../cli/sidecar-flags';

function ok(parse: SidecarParse): { options: ParsedSidecarOptions; rest: string[]; generatedAppId: boolean } {
  if (parse.kind !== 'ok') assert.fail(`expected ok, got ${JSON.stringify(parse)}`);
  return parse;
}
const sidecar = (argv: string[], env: NodeJS.ProcessEnv = {}) => ok(parseSidecarArgs(argv, env, { command: 'sidecar' })).options;
function errorOf(argv: string[], env: NodeJS.ProcessEnv = {}, command: 'sidecar' | 'run' = 'sidecar'): string {
  const parse = parseSidecarArgs(argv, env, { command });
  if (parse.kind !== 'error') assert.fail(`expected an error for ${argv.join(' ')}, got ${parse.kind}`);
  return parse.message;
}

test('defaults match daprd', () => {
  const o = sidecar(['--app-id', 'orders']);
  assert.deepEqual(o, {
    ...daprdDefaults(),
    appId: 'orders',
    daprHttpPort: 3500,
    daprGrpcPort: 50001,
    daprInternalGrpcPort: stableInternalPort('orders'),
    metricsPort: 9090,
    enableMetrics: true,
    logLevel: 'info',
    gracefulShutdownSeconds: 5,
    dataDir: join(homedir(), '.outrigger'),
    enableProfiling: false,
    profilePort: 7777,
  });
});

test('every flag in the table parses its value into its field', () => {
  const o = sidecar([
    '--app-id=a1', '--app-port', '8080', '--app-protocol', 'grpc', '--app-channel-address', '10.0.0.2',
    '--app-max-concurrency', '10', '--dapr-http-port', '3600', '--dapr-grpc-port', '50011',
    '--dapr-internal-grpc-port', '50012', '--dapr-public-port', '3601', '--metrics-port', '9191',
    '--enable-metrics=false', '--config', 'cfg.yaml', '--log-level', 'debug', '--log-as-json',
    '--enable-api-logging', '--dapr-listen-addresses', '0.0.0.0, ::1', '--enable-app-health-check',
    '--app-health-check-path', '/ready', '--app-health-probe-interval', '7', '--app-health-probe-timeout', '900',
    '--app-health-threshold', '4', '--dapr-graceful-shutdown-seconds', '9', '--mode', 'kubernetes',
    '--enable-mtls', '--sentry-address', 'sentry:50001', '--trust-anchors-file', '/ca.pem',
    '--control-plane-trust-domain', 'td', '--control-plane-namespace', 'cp', '--allowed-origins', 'https://x',
    '--unix-domain-socket', '/tmp/uds', '--placement-host-address', 'p:50005,q:50005',
    '--scheduler-host-address', 's:50006', '--data-dir', '/var/lib/o', '--enable-profiling', '--profile-port', '7778',
  ]);
  assert.equal(o.appId, 'a1');
  assert.equal(o.appPort, 8080);
  assert.equal(o.appProtocol, 'grpc');
  assert.equal(o.appChannelAddress, '10.0.0.2');
  assert.equal(o.appMaxConcurrency, 10);
  assert.deepEqual([o.daprHttpPort, o.daprGrpcPort, o.daprInternalGrpcPort, o.daprPublicPort, o.metricsPort], [3600, 50011, 50012, 3601, 9191]);
  assert.equal(o.enableMetrics, false);
  assert.equal(o.config, 'cfg.yaml');
  assert.equal(o.logLevel, 'debug');
  assert.equal(o.logAsJson, true);
  assert.equal(o.enableApiLogging, true);
  assert.deepEqual(o.listenAddresses, ['0.0.0.0', '::1']);
  assert.equal(o.enableAppHealthCheck, true);
  assert.equal(o.appHealthCheckPath, '/ready');
  assert.deepEqual([o.appHealthProbeInterval, o.appHealthProbeTimeout, o.appHealthThreshold, o.gracefulShutdownSeconds], [7, 900, 4, 9]);
  assert.equal(o.mode, 'kubernetes');
  assert.equal(o.enableMtls, true);
  assert.equal(o.sentryAddress, 'sentry:50001');
  assert.equal(o.trustAnchorsFile, '/ca.pem');
  assert.equal(o.controlPlaneTrustDomain, 'td');
  assert.equal(o.controlPlaneNamespace, 'cp');
  assert.equal(o.allowedOrigins, 'https://x');
  assert.equal(o.unixDomainSocket, '/tmp/uds');
  assert.equal(o.placementHostAddress, 'p:50005,q:50005');
  assert.equal(o.schedulerHostAddress, 's:50006');
  assert.equal(o.dataDir, '/var/lib/o');
  assert.equal(o.enableProfiling, true);
  assert.equal(o.profilePort, 7778);
});

test("daprd's single-dash long form and -flag=value are accepted", () => {
  const o = sidecar(['-app-id', 'x', '-app-port=5000', '-log-as-json', '-enable-metrics=0', '-app-max-concurrency', '-1']);
  assert.equal(o.appId, 'x');
  assert.equal(o.appPort, 5000);
  assert.equal(o.logAsJson, true);
  assert.equal(o.enableMetrics, false);
  assert.equal(o.appMaxConcurrency, -1);
});

test('boolean flags take Go spellings only through =value', () => {
  for (const [raw, want] of [['true', true], ['T', true], ['1', true], ['FALSE', false], ['f', false]] as const) {
    assert.equal(sidecar(['--app-id', 'x', `--enable-mtls=${raw}`]).enableMtls, want);
  }
  assert.match(errorOf(['--app-id', 'x', '--enable-mtls=yes']), /--enable-mtls: expected true or false/);
  assert.match(errorOf(['--app-id', 'x', '--enable-mtls', 'false']), /unexpected argument "false"/);
});

test('--app-port 0 or absent means no app channel; port 0 elsewhere is kept for the OS to pick', () => {
  assert.equal(sidecar(['--app-id', 'x', '--app-port', '0']).appPort, undefined);
  assert.equal('appPort' in sidecar(['--app-id', 'x']), false);
  const o = sidecar(['--app-id', 'x', '--dapr-http-port', '0', '--dapr-grpc-port', '0', '--metrics-port', '0', '--dapr-internal-grpc-port', '0']);
  assert.deepEqual([o.daprHttpPort, o.daprGrpcPort, o.metricsPort, o.daprInternalGrpcPort], [0, 0, 0, 0]);
});

test('--resources-path repeats, --components-path is its alias, and flags replace the default list', () => {
  assert.deepEqual(sidecar(['--app-id', 'x', '--resources-path', './a', '--components-path', './b', '-resources-path=./c']).resourcesPaths, ['./a', './b', './c']);
});

test('sizes: quantities and the legacy MB/KB flags; the later flag wins', () => {
  assert.equal(sidecar(['--app-id', 'x', '--max-body-size', '8Mi']).maxBodySize, 8 * 1024 * 1024);
  assert.equal(sidecar(['--app-id', 'x', '--max-body-size', '1.5Ki']).maxBodySize, 1536);
  assert.equal(sidecar(['--app-id', 'x', '--max-body-size', '2M']).maxBodySize, 2_000_000);
  assert.equal(sidecar(['--app-id', 'x', '--dapr-http-max-request-size', '16']).maxBodySize, 16 * 1024 * 1024);
  assert.equal(sidecar(['--app-id', 'x', '--read-buffer-size', '64Ki']).readBufferSize, 65536);
  assert.equal(sidecar(['--app-id', 'x', '--dapr-http-read-buffer-size', '32']).readBufferSize, 32 * 1024);
  assert.equal(sidecar(['--app-id', 'x', '--dapr-http-max-request-size', '16', '--max-body-size', '1Mi']).maxBodySize, 1024 * 1024);
  assert.match(errorOf(['--app-id', 'x', '--max-body-size', '4MB']), /invalid value "4MB" for flag --max-body-size: expected a size/);
  assert.match(errorOf(['--app-id', 'x', '--dapr-http-max-request-size', '4Mi']), /--dapr-http-max-request-size: expected a positive integer number of MB/);
});

test("log level accepts daprd's fatal as error", () => {
  assert.equal(sidecar(['--app-id', 'x', '--log-level', 'fatal']).logLevel, 'error');
  assert.match(errorOf(['--app-id', 'x', '--log-level', 'trace']), /expected one of debug, info, warn, error/);
});

test('environment variables fill settings; a flag overrides its variable', () => {
  const env = {
    DAPR_API_TOKEN: 'tok', APP_API_TOKEN: 'apptok', NAMESPACE: 'prod', DAPR_HOST_IP: '10.1.1.1',
    DAPR_TRUST_ANCHORS: '-----BEGIN CERTIFICATE-----', DAPR_CONTROLPLANE_TRUST_DOMAIN: 'cluster.local',
    DAPR_SENTRY_TOKEN_FILE: '/var/run/token', OUTRIGGER_DATA_DIR: '/data/o',
  };
  const o = sidecar(['--app-id', 'x'], env);
  assert.equal(o.apiToken, 'tok');
  assert.equal(o.appApiToken, 'apptok');
  assert.equal(o.namespace, 'prod');
  assert.equal(o.hostAddress, '10.1.1.1');
  assert.equal(o.trustAnchors, '-----BEGIN CERTIFICATE-----');
  assert.equal(o.controlPlaneTrustDomain, 'cluster.local');
  assert.equal(o.sentryTokenFile, '/var/run/token');
  assert.equal(o.dataDir, '/data/o');
  const flagged = sidecar(['--app-id', 'x', '--control-plane-trust-domain', 'mine', '--data-dir', '/flag'], env);
  assert.equal(flagged.controlPlaneTrustDomain, 'mine');
  assert.equal(flagged.dataDir, '/flag');
  assert.equal(sidecar(['--app-id', 'x'], { HOST_ADDRESS: '10.2.2.2' }).hostAddress, '10.2.2.2');
  assert.equal(sidecar(['--app-id', 'x'], { OUTRIGGER_DATA_DIR: '~/od' }).dataDir, join(homedir(), 'od'));
  assert.equal(sidecar(['--app-id', 'x'], { NAMESPACE: '' }).namespace, 'default');
});

test('errors name the flag and what is expected', () => {
  assert.equal(errorOf([]), 'flag --app-id is required: expected the id of the application');
  assert.equal(errorOf(['--app-id', 'x', '--app-port', 'abc']), 'invalid value "abc" for flag --app-port: expected an integer port 0-65535');
  assert.equal(errorOf(['--app-id', 'x', '--dapr-http-port', '70000']), 'invalid value "70000" for flag --dapr-http-port: expected an integer port 0-65535');
  assert.equal(errorOf(['--app-id', 'x', '--app-protocol', 'ftp']), 'invalid value "ftp" for flag --app-protocol: expected one of http, https, grpc, grpcs, h2c');
  assert.equal(errorOf(['--app-id', 'x', '--app-port']), 'flag --app-port needs a value: expected an integer port 0-65535');
  assert.equal(errorOf(['--app-id', '--app-port', '3000']), 'flag --app-id needs a value: expected a string');
  assert.equal(errorOf(['--app-id', 'x', '--app-prot', 'http']), 'unknown flag --app-prot (did you mean --app-port?)');
  assert.equal(errorOf(['--app-id', 'x', '--zzzzzz']), 'unknown flag --zzzzzz');
  assert.equal(errorOf(['--app-id', 'a.b']), 'invalid value "a.b" for flag --app-id: expected an id without dots or spaces');
  assert.match(errorOf(['--app-id', 'x', '--dapr-grpc-port', '3500']), /--dapr-http-port and --dapr-grpc-port both use port 3500/);
  assert.equal(sidecar(['--app-id', 'x', '--dapr-grpc-port', '9090', '--enable-metrics=false']).daprGrpcPort, 9090);
  assert.match(errorOf(['--app-id', 'x', 'extra']), /unexpected argument "extra"/);
});

test('run: flags end at -- or at the first non-flag; a missing app id is generated', () => {
  const a = ok(parseSidecarArgs(['--app-id', 'r', '--', 'node', '--inspect', 'app.js'], {}, { command: 'run' }));
  assert.deepEqual(a.rest, ['node', '--inspect', 'app.js']);
  assert.equal(a.generatedAppId, false);
  const b = ok(parseSidecarArgs(['--app-port', '3000', 'node', 'app.js', '--app-port', '1'], {}, { command: 'run' }));
  assert.deepEqual(b.rest, ['node', 'app.js', '--app-port', '1']);
  assert.equal(b.options.appPort, 3000);
  assert.equal(b.generatedAppId, true);
  assert.match(b.options.appId, /^app-[0-9a-f]{8}$/);
  assert.equal(b.options.daprInternalGrpcPort, stableInternalPort(b.options.appId));
  assert.deepEqual(ok(parseSidecarArgs(['--app-id', 'r'], {}, { command: 'run' })).rest, []);
});

test('help and version are recognised anywhere before --', () => {
  for (const flag of ['-h', '--help', '-help']) assert.equal(parseSidecarArgs(['--app-id', 'x', flag], {}, { command: 'sidecar' }).kind, 'help');
  assert.equal(parseSidecarArgs(['--version'], {}, { command: 'sidecar' }).kind, 'version');
  assert.equal(ok(parseSidecarArgs(['--app-id', 'x', '--', 'app', '--help'], {}, { command: 'run' })).rest[1], '--help');
});

test('the table has one row per flag name and describes every row', () => {
  const flags = sidecarSettings.flatMap((s) => (s.flag === undefined ? [] : [s.flag]));
  assert.equal(new Set(flags).size, flags.length);
  for (const s of sidecarSettings) assert.ok(s.description.length > 0 && (s.flag !== undefined || s.env.length > 0), s.key);
});
