import {
  InterceptingCall,
  status,
  type Interceptor,
  type InterceptingListener,
  type Metadata,
} from '@grpc/grpc-js';

/**
 * The channel's retry policy stops at the first response byte: once headers
 * have arrived the call is "committed", and an UNAVAILABLE after that (a
 * store-svc replica killed mid-reply: headers read, body lost to the TCP
 * reset) reaches the caller. For a unary read that is needless, since asking
 * again is harmless, so this interceptor asks once more, within the same
 * deadline. Failures before the headers stay with the retry policy and its
 * throttle, so the two never multiply.
 */
export function resumeReadsInterceptor(
  paths: ReadonlySet<string>,
  deadlineMs: number,
): Interceptor {
  return (options, nextCall) => {
    const { path, requestStream, responseStream } = options.method_definition;
    if (!paths.has(path) || requestStream || responseStream)
      return new InterceptingCall(nextCall(options));

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
              if (mayResume && headers && s.code === status.UNAVAILABLE) return resume();
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
