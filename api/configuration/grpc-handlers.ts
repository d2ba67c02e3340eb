/**
 * gRPC head of the configuration API: Get/Subscribe/UnsubscribeConfiguration and their Alpha1
 * twins. SubscribeConfiguration first sends {id} alone, then one message per change; the
 * subscription ends when the client cancels the stream or calls UnsubscribeConfiguration.
 */
import type { HandlerContext } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { SubscribeConfigurationRequest, SubscribeConfigurationResponseSchema } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import type { ConfigurationItems } from '../../components/configuration/contract';
import { ConfigurationApi, type Result } from './configuration-api';

type SubscribeMessage = MessageInitShape<typeof SubscribeConfigurationResponseSchema>;

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw connectErrorFromDaprError(r.error);
  return r.value;
}

function pbItems(items: ConfigurationItems): Record<string, { value: string; version: string; metadata: Record<string, string> }> {
  const out: Record<string, { value: string; version: string; metadata: Record<string, string> }> = {};
  for (const [k, v] of Object.entries(items)) out[k] = { value: v.value, version: v.version, metadata: { ...v.metadata } };
  return out;
}

export function configurationGrpcHandlers(api: ConfigurationApi): DaprServicePart {
  const get = async (req: { storeName: string; keys: string[]; metadata: Record<string, string> }) =>
    ({ items: pbItems(unwrap(await api.get(req.storeName, req.keys.filter((k) => k !== ''), { ...req.metadata }))) });

  async function* subscribe(req: SubscribeConfigurationRequest, ctx: HandlerContext): AsyncGenerator<SubscribeMessage> {
    const queue: SubscribeMessage[] = [];
    let wake: (() => void) | undefined;
    const deliver = (id: string, items: ConfigurationItems): void => {
      queue.push({ id, items: pbItems(items) });
      wake?.();
    };
    const id = unwrap(await api.subscribe(req.storeName, req.keys.filter((k) => k !== ''), { ...req.metadata }, deliver, () => wake?.()));
    const aborted = new Promise<void>((r) => {
      if (ctx.signal.aborted) r();
      else ctx.signal.addEventListener('abort', () => r(), { once: true });
    });
    try {
      yield { id, items: {} };
      while (!ctx.signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (!api.has(id)) return;
        const woken = new Promise<void>((r) => { wake = r; });
        await Promise.race([woken, aborted]);
        wake = undefined;
      }
    } finally {
      if (api.has(id)) await api.unsubscribe(req.storeName, id);
    }
  }

  const unsubscribe = async (req: { storeName: string; id: string }) => {
    const r = await api.unsubscribe(req.storeName, req.id);
    return r.ok ? { ok: true, message: '' } : { ok: false, message: r.error.message };
  };

  return {
    getConfiguration: get,
    getConfigurationAlpha1: get,
    subscribeConfiguration: subscribe,
    subscribeConfigurationAlpha1: subscribe,
    unsubscribeConfiguration: unsubscribe,
    unsubscribeConfigurationAlpha1: unsubscribe,
  };
}
