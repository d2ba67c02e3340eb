/**
 * The ETag rules every driver applies (the conformance suite checks them):
 * - an ETag given: the stored item must exist and carry exactly that ETag, else ETAG_MISMATCH;
 * - no ETag, first-write: the key must not exist yet, else ETAG_MISMATCH;
 * - no ETag, last-write (default): unconditional.
 * An empty ETag counts as none, as in Dapr.
 */
import { etagMismatch, StateFeature, type StateDeleteRequest, type StateError, type StateSetRequest } from '../contract';

export function hasEtag(req: { readonly etag?: string }): req is { readonly etag: string } {
  return req.etag !== undefined && req.etag !== '';
}

export function checkSet(req: StateSetRequest, existingEtag: string | undefined): StateError | undefined {
  if (hasEtag(req)) return existingEtag === req.etag ? undefined : etagMismatch(req.key);
  if (req.options?.concurrency === 'first-write' && existingEtag !== undefined) return etagMismatch(req.key);
  return undefined;
}

export function checkDelete(req: StateDeleteRequest, existingEtag: string | undefined): StateError | undefined {
  if (hasEtag(req)) return existingEtag === req.etag ? undefined : etagMismatch(req.key);
  return undefined;
}

/** Adds ACTOR when the component is the actor state store (Dapr's actorStateStore: "true"). */
export function withActorFeature(base: readonly string[], metadata: Readonly<Record<string, string>>): readonly string[] {
  const actor = (metadata.actorStateStore ?? '').toLowerCase() === 'true' && base.includes(StateFeature.TRANSACTIONAL);
  return actor ? [...base, StateFeature.ACTOR] : base;
}
