/**
 * Placement: which host runs an actor. A small interface so the placement service protocol (a
 * hash ring per type fed by dapr.proto.placement.v1) can slot in later; today the sidecar has the
 * local single-host placement: the types its own app registered run here, nothing else exists.
 */
import type { DaprError } from '../../errors/dapr-error';
import { ActorErrors } from './errors';

export type ActorHost =
  | { readonly kind: 'local' }
  /** Another sidecar's internal address (host:port) and app id; not produced by LocalPlacement. */
  | { readonly kind: 'remote'; readonly address: string; readonly appId: string };

export interface ActorPlacement {
  /** Shown in the metadata API's actorRuntime.placement. */
  readonly status: string;
  hostFor(type: string, id: string): ActorHost | DaprError;
  /** True when this sidecar hosts the type. */
  hostsType(type: string): boolean;
}

/** Types hosted by the local app are local; any other type has no host. */
export class LocalPlacement implements ActorPlacement {
  readonly status = 'placement: local (single host)';
  private static readonly LOCAL: ActorHost = { kind: 'local' };

  constructor(private readonly hostedTypes: () => ReadonlySet<string>) {}

  hostFor(type: string, id: string): ActorHost | DaprError {
    return this.hostedTypes().has(type) ? LocalPlacement.LOCAL : ActorErrors.noAddress(type, id);
  }

  hostsType(type: string): boolean {
    return this.hostedTypes().has(type);
  }
}
