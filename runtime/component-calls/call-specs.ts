/**
 * Which driver methods are component calls, per building block: the ones the sidecar makes toward
 * a store, broker, secret store, binding, configuration store or lock (outbound: resiliency
 * policy + metrics), and the two that hand a handler to the component for events coming in
 * (subscribe, read: metrics, and for input bindings the component's inbound policy).
 */
import type { ComponentMetricFamily } from '../../filters/metrics/filter-stats';

/** How one outbound call is measured: its metric family and Dapr's operation name. */
export type OutboundMetric =
  | { readonly family: ComponentMetricFamily; readonly operation: string | ((args: readonly unknown[]) => string) }
  | { readonly family: 'pubsub_egress' }
  | { readonly family: 'pubsub_egress_bulk' }
  | undefined;

export interface OutboundSpec {
  readonly kind: 'outbound';
  readonly metric: OutboundMetric;
}

export interface InboundSpec {
  /** The method's handler argument (last) is wrapped. */
  readonly kind: 'inbound';
  readonly metric: 'pubsub_ingress' | 'input_binding' | undefined;
  /** Apply the component's inbound resiliency policy to each handler call (input bindings). */
  readonly policy: boolean;
  /** subscribe(req, handler): the topic comes from the first argument. */
  readonly topicFromFirstArg?: boolean;
}

export type CallSpec = OutboundSpec | InboundSpec;

const out = (metric: OutboundMetric): OutboundSpec => ({ kind: 'outbound', metric });
const state = (operation: string): OutboundSpec => out({ family: 'state', operation });

/** Method name -> spec, by building block (the part of the component type before the dot). */
export const CALL_SPECS: Readonly<Record<string, Readonly<Record<string, CallSpec>>>> = {
  state: {
    get: state('get'),
    bulkGet: state('bulk_get'),
    set: state('set'),
    // daprd records a bulk save as "set" too.
    bulkSet: state('set'),
    delete: state('delete'),
    bulkDelete: state('bulk_delete'),
    multi: state('transaction'),
    query: state('query'),
  },
  pubsub: {
    publish: out({ family: 'pubsub_egress' }),
    bulkPublish: out({ family: 'pubsub_egress_bulk' }),
    subscribe: { kind: 'inbound', metric: 'pubsub_ingress', policy: false, topicFromFirstArg: true },
  },
  bindings: {
    invoke: out({ family: 'output_binding', operation: (args) => String((args[0] as { operation?: unknown } | undefined)?.operation ?? '') }),
    read: { kind: 'inbound', metric: 'input_binding', policy: true },
  },
  secretstores: {
    getSecret: out({ family: 'secret', operation: 'get' }),
    bulkGetSecret: out({ family: 'secret', operation: 'bulk_get' }),
  },
  configuration: {
    get: out({ family: 'configuration', operation: 'get' }),
    subscribe: out({ family: 'configuration', operation: 'subscribe' }),
  },
  lock: {
    // daprd has no lock metrics; the outbound policy still applies.
    tryLock: out(undefined),
    unlock: out(undefined),
  },
};
