import type { FastifyRequest } from 'fastify';

/**
 * The external base URL for links in a response: PUBLIC_URL when configured, otherwise the
 * scheme and host the client used (X-Forwarded-* count only with TRUST_PROXY).
 */
export function externalBase(publicUrl: string | undefined, request: Pick<FastifyRequest, 'protocol' | 'host'>): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
