import {
  status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { AppError, type ErrorCode } from '@fig/errors';
import type { Logger } from '@fig/logging';
import { toGrpcStatus } from '@fig/proto';
import type { RpcMetrics } from './metrics';

// These codes come from one request field each in this service; the gRPC
// message names it (the API message, kept for HTTP, does not).
const fieldOf: Partial<Record<ErrorCode, string>> = {
  INVALID_CURSOR: 'page_token',
  INVALID_IDEMPOTENCY_KEY: 'idempotency_key',
};

const codeName = (code: status) => status[code] ?? String(code);

function deadlineOf(call: { getDeadline(): Date | number }): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

export interface RpcContext {
  logger: Logger;
  metrics: RpcMetrics;
}

/**
 * A unary handler with the service's common behaviour: work whose deadline has
 * passed (or whose caller has gone) is not started; AppErrors become coded
 * statuses; anything else is logged and answered INTERNAL; every call is
 * counted and timed.
 */
export function unary<Req, Res>(
  method: string,
  { logger, metrics }: RpcContext,
  handle: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const done = metrics.start(method);
    if (call.cancelled || deadlineOf(call) <= Date.now()) {
      done('DEADLINE_EXCEEDED');
      return callback({
        code: status.DEADLINE_EXCEEDED,
        details: 'Deadline passed before the call was started',
      });
    }
    handle(call.request, call).then(
      (response) => {
        done('OK');
        callback(null, response);
      },
      (err: unknown) => {
        const error =
          err instanceof AppError
            ? err
            : new AppError('INTERNAL', undefined, undefined, { cause: err });
        if (!(err instanceof AppError)) logger.error({ err, method }, 'unhandled error in RPC');
        const grpcStatus = toGrpcStatus(error, fieldOf[error.code]);
        done(codeName(grpcStatus.code ?? status.UNKNOWN));
        callback(grpcStatus);
      },
    );
  };
}

/** A server-streaming handler, counted from open to close like a unary call. */
export function serverStream<Req, Res>(
  method: string,
  { metrics }: RpcContext,
  handle: handleServerStreamingCall<Req, Res>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const done = metrics.start(method);
    let recorded = false;
    const record = (code: string) => {
      if (recorded) return;
      recorded = true;
      done(code);
    };
    call.once('finish', () => record('OK'));
    call.once('cancelled', () => record('CANCELLED'));
    handle(call);
  };
}
