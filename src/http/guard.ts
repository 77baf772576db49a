import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateClass } from '../config.ts';
import type { Core } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import { bearerToken, type AccessClaims } from '../services/tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes are authenticated unless they say `auth: false`; `optional`: a token is checked when one is given. */
    auth?: boolean | 'optional';
    /** Rate-limit class; authenticated routes default to `query`. */
    rateClass?: RateClass;
  }
  interface FastifyRequest {
    claims: AccessClaims | null;
  }
}

function tokenOf(request: FastifyRequest): string | undefined {
  const q = (request.query as Record<string, unknown> | undefined)?.token;
  return bearerToken(request.headers.authorization, typeof q === 'string' ? q : undefined);
}

async function take(core: Core, cls: RateClass, subject: string, reply: FastifyReply): Promise<void> {
  const verdict = await core.limiter.take(cls, subject);
  if (verdict) {
    void reply.header('x-ratelimit-limit', String(verdict.limit));
    void reply.header('x-ratelimit-remaining', String(verdict.remaining));
    void reply.header('x-ratelimit-reset', String(Math.ceil(verdict.resetAt / 1000)));
  }
}

/**
 * Authentication and rate limiting for every route of a profile scope. Both run at onRequest,
 * before the body is read: an anonymous or throttled client costs no parsing, and gets 401/429
 * rather than a validation error.
 */
export function installGuards(scope: FastifyInstance, core: Core): void {
  scope.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    if (config.rateClass === 'auth') {
      await take(core, 'auth', `ip:${request.ip}`, reply).catch((err: unknown) => {
        // Logins, registrations and refreshes from one address beyond RATE_LIMIT_AUTH: someone guessing, or a client in a loop.
        if (err instanceof AppError && err.code === 'RATE_LIMITED') request.log.warn({ remoteAddress: request.ip, route: request.routeOptions.url }, 'auth requests rate-limited');
        throw err;
      });
    }
    if (config.auth !== false) {
      const token = tokenOf(request);
      if (token) request.claims = await core.auth.authenticate(token);
      else if (config.auth !== 'optional') throw new AppError('UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <access_token>)');
    }
    if (config.rateClass !== 'auth') {
      const subject = request.claims ? `user:${request.claims.userId}` : `ip:${request.ip}`;
      await take(core, config.rateClass ?? 'query', subject, reply);
    }
  });
}
