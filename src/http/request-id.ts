import { randomUUID } from 'node:crypto';

/** A request id no other request has: for HTTP requests without a usable X-Request-Id, and for answers given outside any request (refused upgrades, socket frames). */
export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, '')}`;
}
