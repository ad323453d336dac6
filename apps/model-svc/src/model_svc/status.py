"""Fig errors as rich gRPC statuses, in the shape libs/proto/src/status.ts gives the store's."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from model_svc.validation import AppError

ERROR_DOMAIN = "model.fig.dev"

# The catalogue codes this service raises, on gRPC codes (libs/proto grpcStatusOf).
_GRPC_CODE = {
    "VALIDATION_FAILED": code_pb2.INVALID_ARGUMENT,
    "SHUTTING_DOWN": code_pb2.UNAVAILABLE,
    "INTERNAL": code_pb2.INTERNAL,
}


def _packed(message: error_details_pb2.ErrorInfo | error_details_pb2.BadRequest) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def to_grpc_status(error: AppError) -> grpc.Status:
    """google.rpc.Status with ErrorInfo (reason = Fig code) and BadRequest (field violations)."""
    code = _GRPC_CODE.get(error.code, code_pb2.INTERNAL)
    details = [
        _packed(
            error_details_pb2.ErrorInfo(
                reason=error.code, domain=ERROR_DOMAIN, metadata={"message": error.message}
            )
        )
    ]
    if error.fields:
        violations = [
            error_details_pb2.BadRequest.FieldViolation(
                field=f.field, description=f.message, reason=f.code
            )
            for f in error.fields
        ]
        details.append(_packed(error_details_pb2.BadRequest(field_violations=violations)))
    status = status_pb2.Status(code=code, message=error.message, details=details)
    return rpc_status.to_status(status)
