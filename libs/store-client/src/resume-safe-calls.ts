import {
  InterceptingCall,
  status,
  type Interceptor,
  type InterceptingListener,
  type Metadata,
} from '@grpc/grpc-js';

/**
 * When a call may be asked again: `after-headers` for reads, whose failures
 * before the reply began stay with the channel's retry policy and its
 * throttle (so the two never multiply); `always` for a write that carries an
 * idempotency key, which no retry policy covers, since the store answers a
 * repeated key with the entry it already wrote; `never` for the rest.
 */
export type Resumable = (path: string, request: unknown) => 'after-headers' | 'always' | 'never';

/**
 * The channel's retry policy stops at the first response byte: once headers
 * have arrived the call is "committed", and an UNAVAILABLE after that (a
 * store-svc replica killed mid-reply: headers read, body lost to the TCP
 * reset) reaches the caller. For a call that is safe to repeat that is
 * needless, so this interceptor asks once more, within the same deadline.
 */
export function resumeSafeCallsInterceptor(resumable: Resumable, deadlineMs: number): Interceptor {
  return (options, nextCall) => {
    const { path, requestStream, responseStream } = options.method_definition;
    if (requestStream || responseStream) return new InterceptingCall(nextCall(options));

    // Both attempts share one deadline, the caller's or the channel default's.
    const shared = { ...options, deadline: options.deadline ?? Date.now() + deadlineMs };
    let current = nextCall(shared);
    let request: unknown;
    return new InterceptingCall(current, {
      start(metadata, listener, next) {
        const pristine = metadata.clone();
        // A unary caller looks at nothing before the status, so the reply is
        // held until then and a resumed attempt can replace it cleanly.
        const attempt = (mayResume: boolean): InterceptingListener => {
          let headers: Metadata | undefined;
          let message: unknown;
          return {
            onReceiveMetadata: (m) => void (headers = m),
            onReceiveMessage: (m) => void (message = m),
            onReceiveStatus: (s) => {
              const when = mayResume ? resumable(path, request) : 'never';
              const resumes = when === 'always' || (when === 'after-headers' && headers);
              if (resumes && s.code === status.UNAVAILABLE) return resume();
              if (headers) listener.onReceiveMetadata(headers);
              if (message !== undefined) listener.onReceiveMessage(message);
              listener.onReceiveStatus(s);
            },
          };
        };
        const resume = () => {
          current = nextCall(shared);
          current.start(pristine, attempt(false));
          current.sendMessage(request);
          current.halfClose();
        };
        next(metadata, attempt(true));
      },
      sendMessage(message, next) {
        request = message;
        next(message);
      },
      cancel() {
        current.cancelWithStatus(status.CANCELLED, 'Cancelled on client');
      },
    });
  };
}
