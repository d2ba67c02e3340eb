/**
 * Encodes google.rpc.Status (with ErrorInfo/ResourceInfo/BadRequest details packed in Any) for the
 * grpc-status-details-bin trailer. Uses @bufbuild/protobuf's wire writer; field numbers are from
 * google/rpc/status.proto and google/rpc/error_details.proto.
 */
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { DaprError, ErrorDetail } from '../errors/dapr-error';

/** The wire writer is loaded with the first gRPC error reply, not with every listener at start-up. */
let Writer: typeof BinaryWriter | undefined;
const newWriter = (): BinaryWriter => new (Writer ??= (require('@bufbuild/protobuf/wire') as typeof import('@bufbuild/protobuf/wire')).BinaryWriter)();

function encodeDetail(detail: ErrorDetail): Uint8Array {
  const w = newWriter();
  switch (detail['@type']) {
    case 'type.googleapis.com/google.rpc.ErrorInfo':
      w.tag(1, 2).string(detail.reason).tag(2, 2).string(detail.domain);
      for (const [k, v] of Object.entries(detail.metadata ?? {})) {
        w.tag(3, 2).fork().tag(1, 2).string(k).tag(2, 2).string(v).join();
      }
      break;
    case 'type.googleapis.com/google.rpc.ResourceInfo':
      w.tag(1, 2).string(detail.resource_type).tag(2, 2).string(detail.resource_name);
      if (detail.owner) w.tag(3, 2).string(detail.owner);
      if (detail.description) w.tag(4, 2).string(detail.description);
      break;
    case 'type.googleapis.com/google.rpc.BadRequest':
      for (const v of detail.field_violations) {
        w.tag(1, 2).fork().tag(1, 2).string(v.field).tag(2, 2).string(v.description).join();
      }
      break;
  }
  return w.finish();
}

/** Serialised google.rpc.Status for a DaprError. */
export function encodeGrpcStatus(err: DaprError): Uint8Array {
  const w = newWriter();
  if (err.grpcCode !== 0) w.tag(1, 0).int32(err.grpcCode);
  if (err.message) w.tag(2, 2).string(err.message);
  for (const d of err.details ?? []) {
    w.tag(3, 2).fork().tag(1, 2).string(d['@type']).tag(2, 2).bytes(encodeDetail(d)).join();
  }
  return w.finish();
}

/** grpc-message is percent-encoded per the gRPC HTTP/2 spec: bytes outside 0x20-0x7E, and '%'. */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length && plain; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) plain = false;
  }
  if (plain) return message;
  let out = '';
  for (const b of Buffer.from(message, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Trailer fields carrying a DaprError as a gRPC status. */
export function grpcErrorTrailers(err: DaprError): Record<string, string> {
  return {
    'grpc-status': String(err.grpcCode),
    'grpc-message': encodeGrpcMessage(err.message),
    'grpc-status-details-bin': Buffer.from(encodeGrpcStatus(err)).toString('base64').replace(/=+$/, ''),
  };
}
