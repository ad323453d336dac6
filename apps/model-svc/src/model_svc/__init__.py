"""model-svc: Fig's sentiment model as a gRPC service (fig.model.v1.ModelService)."""
