/**
 * Requests arriving on the sidecar-to-sidecar listener: checks they are for this app, records the
 * caller, normalises the method path once, then runs the inbound chain whose terminal filter
 * relays to the local app.
 */
import type http from 'node:http';
import { newExchange } from '../proxy/http-listener';
import { normalisePath } from '../proxy/path';
import { sendLocalReply } from '../proxy/local-reply';
import type { FilterChain } from '../proxy/filter-chain';
import type { Exchange, PeerIdentity, TerminalFilter } from '../proxy/contracts';
import { Errors } from '../errors/codes';
import { InternalHeaders } from '../api/invoke/contract';
import type { AppChannel } from './app-channel/contract';

function header(ex: Exchange, name: string): string | undefined {
  const v = ex.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface InternalDispatchDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly chain: () => FilterChain;
  /** mTLS: the verified identity of the calling sidecar, read from its certificate. */
  readonly peerOf?: (socket: unknown) => PeerIdentity | undefined;
}

export function createInternalHttpDispatch(deps: InternalDispatchDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const ex = newExchange('internal', req, res);
    const callee = header(ex, InternalHeaders.calleeAppId);
    const calleeNs = header(ex, InternalHeaders.calleeNamespace) ?? deps.namespace;
    if (callee !== deps.appId || calleeNs !== deps.namespace) {
      return sendLocalReply(ex, Errors.invokeFailed(callee ?? '<none>', `this sidecar serves ${deps.appId}.${deps.namespace}, not ${callee ?? '<none>'}.${calleeNs}`));
    }
    const norm = normalisePath(ex.path);
    if (!norm.ok) return sendLocalReply(ex, Errors.badPath(norm.reason));
    ex.path = norm.path;
    ex.invokeMethod = norm.path.slice(1);
    ex.targetAppId = deps.appId;
    // With mTLS the certificate says who called; header claims are ignored.
    const verified = deps.peerOf?.(req.socket);
    if (deps.peerOf && !verified) return sendLocalReply(ex, Errors.invokeDenied(deps.appId, 'caller has no verifiable identity'));
    ex.caller = verified ?? {
      appId: header(ex, InternalHeaders.callerAppId) ?? '',
      namespace: header(ex, InternalHeaders.callerNamespace) ?? deps.namespace,
      trustDomain: '',
      verified: false,
    };
    deps.chain().run(ex);
  };
}

/** Terminal filter of the inbound chain: hand the exchange to the app channel. */
export function appTerminal(channel: () => AppChannel | undefined, appHealthy: () => boolean, appId: string): TerminalFilter {
  return {
    name: 'app-channel',
    handle(ex) {
      const c = channel();
      if (!c) return sendLocalReply(ex, Errors.noAppChannel());
      if (!appHealthy()) return sendLocalReply(ex, Errors.appUnhealthy(appId));
      return c.forward(ex);
    },
  };
}
