// The gRPC status codes this product branches on (grpc/grpc doc/statuscodes.md), read from the errors
// both the client's Connection and the worker's NativeConnection throw: each carries a numeric `code`.

export const GrpcStatus = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
} as const;

/** The gRPC status code of a failed call, or undefined for an error that is not one. */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
