/** `outrigger sentry --help`, kept apart so the CLI can print it without loading the CA. */
export const SENTRY_USAGE = `Usage: outrigger sentry [flags]

A certificate authority compatible with Dapr's Sentry (dapr.proto.sentry.v1.CA/SignCertificate
over gRPC + TLS). It signs workload CSRs with the SPIFFE ID spiffe://<trust-domain>/ns/<ns>/<app-id>.

Flags:
  --port <n>                   gRPC port (default 50001)
  --listen-address <addr>      address to bind (default 0.0.0.0)
  --issuer-credentials <dir>   dir with ca.crt, issuer.crt, issuer.key; generated and persisted
                               there on first start if absent (default ~/.outrigger/certs)
  --trust-domain <td>          trust domain of issued identities (default cluster.local)
  --namespace <ns>             namespace in Sentry's own ID .../ns/<ns>/dapr-sentry
                               (default $NAMESPACE or "default")
  --workload-cert-ttl <dur>    workload certificate lifetime (default 24h)
  --allowed-clock-skew <dur>   NotBefore is backdated by this much (default 15m)
  --token-file <file>          token policy (YAML/JSON): which secret may obtain which identities:
                                 tokens:
                                   - token: "<secret, 16+ chars>"
                                     identities: ["<ns>/<app-id>", "<ns>/*", "<td>/<ns>/<app-id>"]
                               a sidecar sends its secret from the file in DAPR_SENTRY_TOKEN_FILE
  --insecure                   without --token-file: sign any identity (Dapr's INSECURE validator)
  --log-level <level>          debug|info|warn|error (default info)
  --log-as-json                JSON log lines
  -h, --help                   show this help

Durations: Go style, e.g. 90s, 15m, 24h, 1h30m.
`;
