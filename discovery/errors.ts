/**
 * Errors raised while setting a resolver up (never on the resolve path, which returns values).
 * `code` is stable; the runtime may branch on MDNS_UNAVAILABLE to fall back to another resolver.
 */
export type DiscoveryErrorCode = 'MDNS_UNAVAILABLE' | 'INVALID_CONFIGURATION' | 'UNKNOWN_RESOLVER' | 'INVALID_REGISTRATION';

export class DiscoveryError extends Error {
  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DiscoveryError';
  }
}
