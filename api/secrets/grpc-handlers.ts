/** gRPC head of the secrets API: GetSecret and GetBulkSecret. */
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import { SecretsApi, type Result, type SecretsApiDeps } from './secrets-api';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw connectErrorFromDaprError(r.error);
  return r.value;
}

export function secretsGrpcHandlers(deps: SecretsApiDeps | SecretsApi): DaprServicePart {
  const api = deps instanceof SecretsApi ? deps : new SecretsApi(deps);
  return {
    async getSecret(req) {
      return { data: unwrap(await api.get(req.storeName, req.key, { ...req.metadata })) };
    },
    async getBulkSecret(req) {
      const all = unwrap(await api.bulk(req.storeName, { ...req.metadata }));
      const data: Record<string, { secrets: Record<string, string> }> = {};
      for (const [name, secrets] of Object.entries(all)) data[name] = { secrets };
      return { data };
    },
  };
}
