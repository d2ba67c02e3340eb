/**
 * DaprError -> ConnectError for handlers served through Connect. The google.rpc.Status (with Dapr's
 * ErrorInfo/ResourceInfo/BadRequest details) is encoded by proxy/grpc-status.ts and carried as the
 * grpc-status-details-bin trailer in the error's metadata, so Connect-served errors and local
 * replies (sendGrpcError) have byte-identical details.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { DaprError } from '../../errors/dapr-error';
import { grpcErrorTrailers } from '../grpc-status';

export function connectErrorFromDaprError(err: DaprError): ConnectError {
  const detailsBin = grpcErrorTrailers(err)['grpc-status-details-bin'];
  return new ConnectError(err.message, err.grpcCode as number as Code, { 'grpc-status-details-bin': detailsBin });
}
