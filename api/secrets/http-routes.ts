/**
 * HTTP head of the secrets API: GET /v1.0/secrets/:secretStoreName/:key and .../bulk.
 * A secret with no keys is 204, as daprd answers.
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import { metadataFromQuery, sendJson, sendNoContent } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { SecretsApi, type SecretsApiDeps } from './secrets-api';

export function secretsRoutes(deps: SecretsApiDeps | SecretsApi): ApiRouteDef[] {
  const api = deps instanceof SecretsApi ? deps : new SecretsApi(deps);
  const storeOf = (ex: Exchange): string => ex.route?.params.secretStoreName ?? '';

  const get = async (ex: Exchange): Promise<void> => {
    const res = await api.get(storeOf(ex), ex.route?.params.key ?? '', metadataFromQuery(ex.query));
    if (!res.ok) return sendLocalReply(ex, res.error);
    if (Object.keys(res.value).length === 0) return sendNoContent(ex.res);
    sendJson(ex.res, 200, res.value);
  };

  const bulk = async (ex: Exchange): Promise<void> => {
    const res = await api.bulk(storeOf(ex), metadataFromQuery(ex.query));
    if (!res.ok) return sendLocalReply(ex, res.error);
    sendJson(ex.res, 200, res.value);
  };

  return [
    { methods: ['GET'], path: '/v1.0/secrets/:secretStoreName/bulk', api: 'secrets', version: 'v1', handler: bulk },
    { methods: ['GET'], path: '/v1.0/secrets/:secretStoreName/:key', api: 'secrets', version: 'v1', handler: get },
  ];
}
