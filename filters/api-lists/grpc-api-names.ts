/**
 * Maps a gRPC method of dapr.proto.runtime.v1.Dapr to the API name and version that
 * spec.api allow/deny lists use ("GetState" -> state/v1, "TryLockAlpha1" -> lock/v1alpha1), and
 * the gRPC filter enforcing the lists. Proxied calls (dapr-app-id metadata) count as invoke/v1.
 */
import { Continue, Stop, type Exchange, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { ApiFilter } from '../../api/router';

const DAPR_SERVICE = '/dapr.proto.runtime.v1.Dapr/';

/** Ordered: the first matching pattern names the API. */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^InvokeService$/, 'invoke'],
  [/^(Get|Save|Delete|GetBulk|DeleteBulk|Query)State|^ExecuteStateTransaction/, 'state'],
  [/^(Bulk)?PublishEvent/, 'publish'],
  [/^SubscribeTopicEvents/, 'subscribe'],
  [/^InvokeBinding/, 'bindings'],
  [/^Get(Bulk)?Secret/, 'secrets'],
  [/Actor/, 'actors'],
  [/Configuration/, 'configuration'],
  [/^TryLock/, 'lock'],
  [/^Unlock/, 'unlock'],
  [/^Subtle/, 'subtlecrypto'],
  [/^(Encrypt|Decrypt)/, 'crypto'],
  [/Workflow/, 'workflows'],
  [/^(Get|Set)Metadata$/, 'metadata'],
  [/^Shutdown$/, 'shutdown'],
  [/Job/, 'jobs'],
  [/^Converse/, 'conversation'],
];

export interface GrpcApiName {
  readonly api: string;
  readonly version: string;
}

/** Undefined for methods outside the Dapr service (they are not subject to the lists). */
export function grpcApiOf(path: string): GrpcApiName | undefined {
  if (!path.startsWith(DAPR_SERVICE)) return undefined;
  const method = path.slice(DAPR_SERVICE.length);
  const v = /(Alpha|Beta)(\d+)$/.exec(method);
  const version = v ? `v1${v[1]!.toLowerCase()}${v[2]}` : 'v1';
  for (const [re, api] of PATTERNS) if (re.test(method)) return { api, version };
  return undefined;
}

function denied(path: string): ReturnType<typeof daprError> {
  return daprError(403, 'ERR_API_NOT_ALLOWED', `access to method ${path} is not allowed`, GrpcCode.PERMISSION_DENIED);
}

/** The gRPC API filter. Decisions for Dapr methods are cached per path. */
export function createGrpcApiListFilter(allow: ApiFilter, onDenied: (api: string) => void = () => undefined): HttpFilter {
  const cache = new Map<string, boolean>();
  return {
    name: 'api-allowlist',
    onRequest(ex: Exchange): FilterStatus {
      if (ex.protocol !== 'grpc') return Continue;
      let ok = cache.get(ex.path);
      if (ok === undefined) {
        const name = grpcApiOf(ex.path);
        if (name) ok = allow(name.api, name.version, 'grpc');
        else ok = ex.headers['dapr-app-id'] === undefined || allow('invoke', 'v1', 'grpc');
        if (name) cache.set(ex.path, ok); // only Dapr methods: a bounded key set
      }
      if (ok) return Continue;
      onDenied(grpcApiOf(ex.path)?.api ?? 'invoke');
      sendLocalReply(ex, denied(ex.path));
      return Stop;
    },
  };
}
