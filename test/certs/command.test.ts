/** `outrigger sentry` flags and lifecycle; token policy file validation. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDuration, runSentryCommand } from '../../certs/sentry/command';
import { parseTokenPolicy } from '../../certs/sentry/token-policy';
import { tempDir } from './helpers';

describe('outrigger sentry command', () => {
  test('--help prints the usage and exits 0', async () => {
    let out = '';
    assert.equal(await runSentryCommand(['--help'], { out: (t) => (out += t) }), 0);
    for (const flag of ['--port', '--issuer-credentials', '--trust-domain', '--workload-cert-ttl', '--allowed-clock-skew', '--token-file', '--log-level'])
      assert.ok(out.includes(flag), flag);
  });

  test('bad flags exit 2 with a message', async () => {
    const cases: string[][] = [['--nope'], ['--port', 'x', '--insecure'], ['--workload-cert-ttl', '3 days', '--insecure'], []];
    for (const argv of cases) {
      let err = '';
      assert.equal(await runSentryCommand(argv, { err: (t) => (err += t) }), 2, argv.join(' '));
      assert.match(err, /outrigger sentry: /);
    }
  });

  test('starts, creates credentials, serves, and stops on abort', async () => {
    const tmp = tempDir('cmd');
    const tokens = path.join(tmp.dir, 'tokens.json');
    fs.writeFileSync(tokens, JSON.stringify({ tokens: { 'a-secret-of-sixteen-chars': ['default/orders'] } }));
    const ac = new AbortController();
    const creds = path.join(tmp.dir, 'creds');
    let port = -1;
    const code = runSentryCommand(
      ['--port', '0', '--listen-address', '127.0.0.1', '--issuer-credentials', creds, '--token-file', tokens, '--log-level', 'error'],
      { signal: ac.signal, onListening: (p) => ((port = p), ac.abort()) },
    );
    assert.equal(await code, 0);
    assert.ok(port > 0);
    assert.ok(fs.existsSync(path.join(creds, 'issuer.key')));
    tmp.cleanup();
  });

  test('a broken token file makes the start fail with exit 1', async () => {
    const tmp = tempDir('cmd-bad');
    const tokens = path.join(tmp.dir, 'tokens.yaml');
    fs.writeFileSync(tokens, 'tokens: []\n');
    const code = await runSentryCommand(['--port', '0', '--issuer-credentials', path.join(tmp.dir, 'c'), '--token-file', tokens, '--log-level', 'error'], {
      err: () => undefined,
    });
    assert.equal(code, 1);
    tmp.cleanup();
  });

  test('durations parse Go style', () => {
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('3 s'), undefined);
    assert.equal(parseDuration(''), undefined);
  });
});

describe('token policy file', () => {
  const codeOf = (text: string): string => {
    try {
      parseTokenPolicy(text, 'cluster.local');
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code + ': ' + (e as Error).message;
    }
  };
  test('accepts the list and the map form', () => {
    assert.equal(codeOf('tokens:\n  - token: 0123456789abcdef\n    identities: ["ns/app", "td/ns/*"]\n'), 'ok');
    assert.equal(codeOf('{"tokens": {"0123456789abcdef": ["ns/app"]}}'), 'ok');
  });
  test('rejects short tokens, empty lists and malformed patterns', () => {
    assert.match(codeOf('tokens:\n  - token: short\n    identities: ["ns/app"]\n'), /^ERR_CERTS_TOKEN_FILE: .*16/);
    assert.match(codeOf('tokens: {}\n'), /^ERR_CERTS_TOKEN_FILE/);
    assert.match(codeOf('tokens:\n  - token: 0123456789abcdef\n    identities: ["justapp"]\n'), /must be ns\/appId/);
    assert.match(codeOf('tokens:\n  - token: 0123456789abcdef\n    identities: []\n'), /non-empty list/);
    assert.match(codeOf(': : :'), /^ERR_CERTS_TOKEN_FILE/);
  });
});
