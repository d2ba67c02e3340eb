/**
 * The app channel: how the sidecar talks to its own app (HTTP, HTTPS, h2c, gRPC, gRPCs).
 * Streaming forwards (invocation relay) and buffered calls (subscriptions, bindings, config) share it.
 */
import type { DaprError } from '../../errors/dapr-error';
import type { Exchange } from '../../proxy/contracts';
import type { AppProtocol } from '../options';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';

export interface AppRequest {
  /** Path including the leading slash, e.g. "/orders/1". */
  readonly path: string;
  readonly verb: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly contentType?: string;
}

export interface AppChannel {
  readonly protocol: AppProtocol;
  /** Relay an exchange to the app, streaming the body both ways and writing ex.res. */
  forward(ex: Exchange): void | Promise<void>;
  /** A buffered request to the app. */
  call(req: AppRequest): Promise<UnaryInvokeResponse | DaprError>;
  /**
   * A buffered request made once at start-up (the app's configuration and subscriptions), where
   * the channel can answer without setting up its pooled client. Same contract as `call`.
   */
  startupCall?(req: AppRequest): Promise<UnaryInvokeResponse | DaprError>;
  /** True once the app's port accepts connections. */
  probe(): Promise<boolean>;
  close(): Promise<void>;
}
