/**
 * gRPC error replies for the gRPC listener and proxy. Connect writes grpc-message with
 * encodeURIComponent, which grpc-js (decodeURI) would show verbatim ("grpc%3A ..."); the gRPC spec
 * escapes only bytes outside printable ASCII and '%', which encodeGrpcMessage does.
 */
import { encodeGrpcMessage } from '../grpc-status';
export { sendGrpcError as replyGrpcError } from '../local-reply';

/** Re-encodes a grpc-message that Connect wrote with encodeURIComponent. */
export function fixConnectGrpcMessage(fields: Headers | undefined): void {
  const v = fields?.get('grpc-message');
  if (!v || !fields) return;
  let decoded: string;
  try { decoded = decodeURIComponent(v); } catch { return; }
  fields.set('grpc-message', encodeGrpcMessage(decoded));
}
