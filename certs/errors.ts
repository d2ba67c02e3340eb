/**
 * Errors of the certs room. Each carries a stable code; messages may change, codes may not.
 * These are thrown only at start-up / issuance time (never on a request hot path).
 */
export type CertsErrorCode =
  | 'ERR_CERTS_BAD_PEM' // a PEM file or string could not be parsed
  | 'ERR_CERTS_CA_INCOMPLETE' // the credentials dir holds some of ca.crt/issuer.crt/issuer.key, not all
  | 'ERR_CERTS_CA_INVALID' // issuer not signed by a root, key does not match, or expired
  | 'ERR_CERTS_CSR_INVALID' // bad CSR signature or key type
  | 'ERR_CERTS_NO_TRUST_ANCHORS' // a Sentry address was given without trust anchors
  | 'ERR_CERTS_SENTRY_REQUEST' // Sentry refused or could not be reached
  | 'ERR_CERTS_TOKEN_FILE' // the token file is missing or malformed
  | 'ERR_CERTS_NOT_STARTED'; // current()/tls options asked before start() succeeded

export class CertsError extends Error {
  constructor(
    readonly code: CertsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CertsError';
  }
}
