import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { httpEndpointSchema, parseStatusCodes, resiliencySchema, subscriptionSchema } from '../../config';
import { formatPath } from '../../config/issues';

function issuesOf(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string[] {
  return result.success ? [] : (result.error?.issues ?? []).map((i) => `${formatPath(i.path)}: ${i.message}`);
}

test('subscription v1alpha1 and v2alpha1 normalise to one shape', () => {
  const v1 = subscriptionSchema.parse(parse(`
apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata: {name: s1}
spec:
  pubsubname: pubsub
  topic: orders
  route: /orders
  deadLetterTopic: poison
  metadata: {rawPayload: true, maxRetries: 3}
  bulkSubscribe: {enabled: true, maxMessagesCount: 100, maxAwaitDurationMs: 40}
scopes: [app1]
`));
  assert.deepEqual(v1.spec, {
    pubsubname: 'pubsub',
    topic: 'orders',
    routes: { rules: [], default: '/orders' },
    metadata: { rawPayload: 'true', maxRetries: '3' },
    deadLetterTopic: 'poison',
    bulkSubscribe: { enabled: true, maxMessagesCount: 100, maxAwaitDurationMs: 40 },
  });
  assert.deepEqual(v1.scopes, ['app1']);

  const v2 = subscriptionSchema.parse(parse(`
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: {name: s2}
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
    - {match: 'event.type == "widget"', path: /widgets}
    - {match: 'event.type == "gadget"', path: /gadgets}
    default: /products
`));
  assert.deepEqual(v2.spec, {
    pubsubname: 'pubsub',
    topic: 'orders',
    routes: {
      rules: [{ match: 'event.type == "widget"', path: '/widgets' }, { match: 'event.type == "gadget"', path: '/gadgets' }],
      default: '/products',
    },
    metadata: {},
  });
  assert.deepEqual(v2.scopes, []);
});

test('subscription errors: v1 without route, v2 without rules or default, unknown apiVersion', () => {
  const base = { kind: 'Subscription', metadata: { name: 's' } };
  const noRoute = subscriptionSchema.safeParse({ ...base, apiVersion: 'dapr.io/v1alpha1', spec: { pubsubname: 'p', topic: 't' } });
  assert.deepEqual(issuesOf(noRoute).map((s) => s.split(':')[0]), ['spec.route']);
  const noRules = subscriptionSchema.safeParse({ ...base, apiVersion: 'dapr.io/v2alpha1', spec: { pubsubname: 'p', topic: 't', routes: {} } });
  assert.deepEqual(issuesOf(noRules), ['spec.routes: routes needs at least one rule or a default']);
  const ruleNoPath = subscriptionSchema.safeParse({ ...base, apiVersion: 'dapr.io/v2alpha1', spec: { pubsubname: 'p', topic: 't', routes: { rules: [{ match: 'x' }] } } });
  assert.deepEqual(issuesOf(ruleNoPath).map((s) => s.split(':')[0]), ['spec.routes.rules[0].path']);
  const badVersion = subscriptionSchema.safeParse({ ...base, apiVersion: 'dapr.io/v3', spec: {} });
  assert.deepEqual(issuesOf(badVersion).map((s) => s.split(':')[0]), ['apiVersion']);
});

test('parseStatusCodes: lists and ranges into sets, bad input rejected', () => {
  assert.deepEqual([...(parseStatusCodes('500,502-504', 100, 599) as Set<number>)], [500, 502, 503, 504]);
  assert.deepEqual([...(parseStatusCodes(' 1-4 , 8 ', 0, 16) as Set<number>)], [1, 2, 3, 4, 8]);
  assert.equal(typeof parseStatusCodes('504-502', 100, 599), 'string');
  assert.equal(typeof parseStatusCodes('50x', 100, 599), 'string');
  assert.equal(typeof parseStatusCodes('700', 100, 599), 'string');
  assert.equal(typeof parseStatusCodes('17', 0, 16), 'string');
});

const resiliencyYaml = `
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: {name: res}
spec:
  policies:
    timeouts: {general: 5s, long: 1m30s}
    retries:
      r1: {policy: exponential, maxInterval: 15s, maxRetries: "10", matching: {httpStatusCodes: "500,502-504", gRPCStatusCodes: "1-4,8"}}
      r2: {}
    circuitBreakers:
      cb1: {maxRequests: 1, interval: 8s, timeout: 45s, trip: consecutiveFailures > 8}
  targets:
    apps: {appB: {timeout: general, retry: r1, circuitBreaker: cb1, circuitBreakerCacheSize: 100}}
    actors: {MyActor: {retry: DaprBuiltInActorRetries, circuitBreakerScope: both}}
    components: {statestore: {outbound: {retry: r2, timeout: 2s}, inbound: {retry: r1}}}
`;

test('resiliency: durations in ms, defaults, status-code sets, references', () => {
  const r = resiliencySchema.parse(parse(resiliencyYaml));
  assert.deepEqual(r.spec.policies.timeouts, { general: 5000, long: 90_000 });
  const r1 = r.spec.policies.retries.r1!;
  assert.equal(r1.policy, 'exponential');
  assert.equal(r1.maxInterval, 15_000);
  assert.equal(r1.maxRetries, 10);
  assert.deepEqual([...r1.matching!.httpStatusCodes!], [500, 502, 503, 504]);
  assert.deepEqual([...r1.matching!.gRPCStatusCodes!], [1, 2, 3, 4, 8]);
  const r2 = r.spec.policies.retries.r2!;
  assert.equal(r2.policy, 'constant');
  assert.equal(r2.duration, 5000);
  assert.equal(r2.maxRetries, -1);
  assert.deepEqual(r.spec.policies.circuitBreakers.cb1, { maxRequests: 1, interval: 8000, timeout: 45_000, trip: 'consecutiveFailures > 8' });
  assert.equal(r.spec.targets.actors.MyActor?.circuitBreakerScope, 'both');
});

test('resiliency validation errors carry paths', () => {
  const doc = parse(resiliencyYaml) as { spec: { policies: { timeouts: Record<string, unknown>; retries: Record<string, Record<string, unknown>> } } };
  doc.spec.policies.timeouts.general = '5 sec';
  doc.spec.policies.retries.r1!.policy = 'linear';
  doc.spec.policies.retries.r1!.maxRetries = 2.5;
  (doc.spec.policies.retries.r1!.matching as Record<string, unknown>).httpStatusCodes = '500,999';
  const shapeErrors = issuesOf(resiliencySchema.safeParse(doc)).map((s) => s.split(': ')[0]);
  assert.deepEqual(shapeErrors.sort(), [
    'spec.policies.retries.r1.matching.httpStatusCodes',
    'spec.policies.retries.r1.maxRetries',
    'spec.policies.retries.r1.policy',
    'spec.policies.timeouts.general',
  ]);

  const refs = parse(resiliencyYaml) as { spec: { targets: { apps: Record<string, Record<string, unknown>>; components: Record<string, Record<string, Record<string, unknown>>> } } };
  refs.spec.targets.apps.appB!.retry = 'missing';
  refs.spec.targets.components.statestore!.inbound!.circuitBreaker = 'nope';
  assert.deepEqual(issuesOf(resiliencySchema.safeParse(refs)), [
    'spec.targets.apps.appB.retry: retry policy "missing" is not defined in spec.policies.retries',
    'spec.targets.components.statestore.inbound.circuitBreaker: circuit breaker policy "nope" is not defined in spec.policies.circuitBreakers',
  ]);
});

test('HTTPEndpoint: baseUrl must be http(s); headers and clientTLS', () => {
  const ok = httpEndpointSchema.parse({
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'HTTPEndpoint',
    metadata: { name: 'ext' },
    auth: { secretStore: 'vault' },
    spec: {
      baseUrl: 'http://127.0.0.1:8080',
      headers: [{ name: 'x-a', value: 'b' }, { name: 'x-token', secretKeyRef: { name: 'tok', key: 'value' } }],
      clientTLS: { rootCA: { value: 'PEM' }, privateKey: { secretKeyRef: { name: 'k' } }, renegotiation: 'Never' },
    },
  });
  assert.equal(ok.spec.headers.length, 2);
  for (const baseUrl of ['ftp://x', 'example.com', 'http://', 42]) {
    const r = httpEndpointSchema.safeParse({ apiVersion: 'dapr.io/v1alpha1', kind: 'HTTPEndpoint', metadata: { name: 'e' }, spec: { baseUrl } });
    assert.deepEqual(issuesOf(r).map((s) => s.split(':')[0]), ['spec.baseUrl'], `baseUrl ${String(baseUrl)}`);
  }
  const badTls = httpEndpointSchema.safeParse({ apiVersion: 'dapr.io/v1alpha1', kind: 'HTTPEndpoint', metadata: { name: 'e' }, spec: { baseUrl: 'https://x', clientTLS: { certificate: {} } } });
  assert.deepEqual(issuesOf(badTls), ['spec.clientTLS.certificate: expected value or secretKeyRef']);
});
