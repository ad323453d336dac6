import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  AppError,
  errorCatalogue,
  type ErrorCode,
  type FieldViolation,
  type FieldViolationCode,
} from '@fig/errors';
import type { Any } from './generated/google/protobuf/any';
import { BadRequest, ErrorInfo } from './generated/google/rpc/error_details';
import { Status } from './generated/google/rpc/status';

/** The ErrorInfo domain of Fig's own errors from StoreService, as opposed to gRPC's. */
export const errorDomain = 'store.fig.dev';
/** The same for ModelService (its servers in any language use this domain). */
export const modelErrorDomain = 'model.fig.dev';
const figDomains: ReadonlySet<string> = new Set([errorDomain, modelErrorDomain]);
const detailsTrailer = 'grpc-status-details-bin';
const typeUrl = (name: string) => `type.googleapis.com/${name}`;

/** Fig's error catalogue on gRPC codes: the one place the two meet. */
export const grpcStatusOf: Record<ErrorCode, status> = {
  VALIDATION_FAILED: status.INVALID_ARGUMENT,
  INVALID_JSON: status.INVALID_ARGUMENT,
  INVALID_CURSOR: status.INVALID_ARGUMENT,
  INVALID_IDEMPOTENCY_KEY: status.INVALID_ARGUMENT,
  INVALID_PATH: status.INVALID_ARGUMENT,
  UNSUPPORTED_MEDIA_TYPE: status.INVALID_ARGUMENT,
  MALFORMED_REQUEST: status.INVALID_ARGUMENT,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
  NOT_FOUND: status.NOT_FOUND,
  PAYLOAD_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  TOO_MANY_IN_FLIGHT: status.RESOURCE_EXHAUSTED,
  HEADERS_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  REQUEST_TIMEOUT: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
  BAD_GATEWAY: status.INTERNAL,
  STORE_UNAVAILABLE: status.UNAVAILABLE,
  UPSTREAM_UNAVAILABLE: status.UNAVAILABLE,
  SHUTTING_DOWN: status.UNAVAILABLE,
  UPSTREAM_TIMEOUT: status.DEADLINE_EXCEEDED,
};

/**
 * An AppError as a gRPC status. The message is for gRPC readers (`field`, when
 * given, names the request field at fault); the details trailer carries what
 * an HTTP front needs to answer exactly as the monolith does: the code, the
 * API message and the field violations (google.rpc.ErrorInfo + BadRequest).
 */
export function toGrpcStatus(
  error: AppError,
  field?: string,
  domain: string = errorDomain,
): Partial<StatusObject> {
  const code = grpcStatusOf[error.code];
  const details = field ? `${field}: ${error.message}` : error.message;
  const anys: Any[] = [
    {
      typeUrl: typeUrl('google.rpc.ErrorInfo'),
      value: Buffer.from(
        ErrorInfo.encode({
          reason: error.code,
          domain,
          metadata: { message: error.message },
        }).finish(),
      ),
    },
  ];
  const fields = error.details?.fields ?? [];
  if (fields.length) {
    const violations = fields.map((f) => ({
      field: f.field,
      description: f.message,
      reason: f.code,
    }));
    anys.push({
      typeUrl: typeUrl('google.rpc.BadRequest'),
      value: Buffer.from(BadRequest.encode({ fieldViolations: violations }).finish()),
    });
  }
  const metadata = new Metadata();
  metadata.set(
    detailsTrailer,
    Buffer.from(Status.encode({ code, message: details, details: anys }).finish()),
  );
  return { code, details, metadata };
}

interface DecodedDetails {
  info?: ErrorInfo;
  fields: FieldViolation[];
}

function decodeDetails(metadata: Metadata | undefined): DecodedDetails {
  const raw = metadata?.get(detailsTrailer)[0];
  if (!Buffer.isBuffer(raw)) return { fields: [] };
  const decoded: DecodedDetails = { fields: [] };
  for (const any of Status.decode(raw).details) {
    if (any.typeUrl === typeUrl('google.rpc.ErrorInfo')) decoded.info = ErrorInfo.decode(any.value);
    if (any.typeUrl === typeUrl('google.rpc.BadRequest')) {
      decoded.fields = BadRequest.decode(any.value).fieldViolations.map((v) => ({
        field: v.field,
        // As sent: a newer store-svc may name a code this build does not list yet.
        code: v.reason as FieldViolationCode,
        message: v.description,
      }));
    }
  }
  return decoded;
}

function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCatalogue, value);
}

/**
 * A failed call as the AppError the store raised, so an HTTP front renders
 * the same body as the monolith. Failures that never reached our code (no
 * connection, deadline passed) mean the store is unavailable to the caller.
 */
export function fromGrpcError(error: ServiceError): AppError {
  const { info, fields } = decodeDetails(error.metadata);
  if (info && figDomains.has(info.domain) && isErrorCode(info.reason)) {
    const message = info.metadata.message ?? errorCatalogue[info.reason].message;
    return new AppError(info.reason, message, fields.length ? { fields } : undefined, {
      cause: error,
    });
  }
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      return new AppError('STORE_UNAVAILABLE', undefined, undefined, { cause: error });
    default:
      return new AppError('INTERNAL', undefined, undefined, { cause: error });
  }
}
