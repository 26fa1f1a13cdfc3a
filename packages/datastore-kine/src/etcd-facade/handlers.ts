import {
  status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerUnaryCall,
  type StatusObject,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { FacadeContext } from './context.js';
import { toGrpcStatus } from './errors.js';

/**
 * A unary handler from an async function: whatever it throws (synchronously
 * or not) leaves as a gRPC status, so no request can take the server down.
 */
export function unary<Req, Res>(
  context: FacadeContext,
  method: string,
  run: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    context.logger.trace({ method, request: call.request }, 'etcd facade: request');
    Promise.resolve()
      .then(() => run(call.request, call))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          const { code, details } = toGrpcStatus(error, context.logger, method);
          context.logger.debug({ method, code, details }, 'etcd facade: request failed');
          callback({ code, details });
        },
      );
  };
}

/**
 * Handlers for every method of `definition` that `implemented` lacks, each
 * answering UNIMPLEMENTED with a message that names the method. (Without
 * them gRPC would also say UNIMPLEMENTED, but not that the omission is
 * deliberate.)
 */
export function withUnimplemented(
  definition: ServiceDefinition,
  service: string,
  implemented: UntypedServiceImplementation,
): UntypedServiceImplementation {
  const handlers: UntypedServiceImplementation = { ...implemented };
  for (const [method, attributes] of Object.entries(definition)) {
    if (method in handlers) continue;
    const error: Partial<StatusObject> = {
      code: status.UNIMPLEMENTED,
      details: `etcdserver: ${service}.${method} is not supported by lk's etcd facade`,
    };
    let handler: UntypedHandleCall;
    if (attributes.responseStream) {
      const streaming: handleServerStreamingCall<unknown, unknown> = (call) => {
        call.emit('error', error);
      };
      handler = streaming;
    } else {
      const single: handleUnaryCall<unknown, unknown> = (_call, callback) => {
        callback(error);
      };
      handler = single;
    }
    handlers[method] = handler;
  }
  return handlers;
}
