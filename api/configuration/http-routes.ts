/**
 * HTTP head of the configuration API, on v1.0 and v1.0-alpha1:
 * GET /configuration/:storeName?key=a&key=b, GET .../subscribe?key= -> {"id"},
 * GET .../:configurationSubscribeID/unsubscribe -> {"ok":true} | 500 {"ok":false,"message"}.
 * Updates of an HTTP subscription go to the app as POST /configuration/<store>/<key>, once per
 * changed key, with body {"id","items":{<key>:{value,version,metadata}}}.
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import type { AppChannel } from '../../runtime/app-channel/contract';
import type { ConfigurationItems } from '../../components/configuration/contract';
import type { Logger } from '../../observability/logger';
import { metadataFromQuery, sendJson, sendNoContent } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { isDaprError } from '../../errors/dapr-error';
import { ConfigurationApi } from './configuration-api';
import { ConfigurationErrors } from './errors';

export interface ConfigurationHttpDeps {
  readonly api: ConfigurationApi;
  readonly appChannel: () => AppChannel | undefined;
  readonly logger: Logger;
}

function keysOf(query: string): string[] {
  return new URLSearchParams(query).getAll('key').filter((k) => k !== '');
}

/** Posts each changed key to the app; a refused or failed delivery is logged, not retried. */
export function appDelivery(store: string, channel: () => AppChannel | undefined, logger: Logger): (id: string, items: ConfigurationItems) => void {
  return (id, items) => {
    for (const key of Object.keys(items)) {
      const ch = channel();
      if (!ch) return;
      const body = Buffer.from(JSON.stringify({ id, items }));
      void ch.call({ path: `/configuration/${store}/${key}`, verb: 'POST', query: '', headers: { 'content-type': 'application/json' }, body, contentType: 'application/json' }).then((r) => {
        if (isDaprError(r)) logger.warn(`configuration update for ${store}/${key} not delivered`, { error: r.message });
        else if (r.status < 200 || r.status > 299) logger.warn(`app answered ${r.status} to the configuration update for ${store}/${key}`);
      });
    }
  };
}

export function configurationRoutes(d: ConfigurationHttpDeps): ApiRouteDef[] {
  const { api } = d;
  const storeOf = (ex: Exchange): string => ex.route?.params.storeName ?? '';

  const get = async (ex: Exchange): Promise<void> => {
    const r = await api.get(storeOf(ex), keysOf(ex.query), metadataFromQuery(ex.query));
    if (!r.ok) return sendLocalReply(ex, r.error);
    if (Object.keys(r.value).length === 0) return sendNoContent(ex.res);
    sendJson(ex.res, 200, r.value);
  };

  const subscribe = async (ex: Exchange): Promise<void> => {
    const store = storeOf(ex);
    if (!d.appChannel()) return sendLocalReply(ex, ConfigurationErrors.appChannelNil());
    const r = await api.subscribe(store, keysOf(ex.query), metadataFromQuery(ex.query), appDelivery(store, d.appChannel, d.logger));
    if (!r.ok) return sendLocalReply(ex, r.error);
    sendJson(ex.res, 200, { id: r.value });
  };

  const unsubscribe = async (ex: Exchange): Promise<void> => {
    const r = await api.unsubscribe(storeOf(ex), ex.route?.params.configurationSubscribeID ?? '');
    if (!r.ok) {
      if (r.error.errorCode !== 'ERR_CONFIGURATION_UNSUBSCRIBE') return sendLocalReply(ex, r.error);
      return sendJson(ex.res, 500, { ok: false, message: r.error.message });
    }
    sendJson(ex.res, 200, { ok: true });
  };

  const routes: ApiRouteDef[] = [];
  for (const [prefix, version] of [['/v1.0', 'v1'], ['/v1.0-alpha1', 'v1alpha1']] as const) {
    routes.push(
      { methods: ['GET'], path: `${prefix}/configuration/:storeName`, api: 'configuration', version, handler: get },
      { methods: ['GET'], path: `${prefix}/configuration/:storeName/subscribe`, api: 'configuration', version, handler: subscribe },
      { methods: ['GET'], path: `${prefix}/configuration/:storeName/:configurationSubscribeID/unsubscribe`, api: 'configuration', version, handler: unsubscribe },
    );
  }
  return routes;
}
