// The container's health check: exit 0 when this node's /health answers 200 (its database
// answers), 1 otherwise. Slim images have no curl, and node is there anyway.
/* global fetch, AbortSignal */
import process from 'node:process';

const host = [undefined, '', '0.0.0.0', '::'].includes(process.env.HOST) ? '127.0.0.1' : process.env.HOST;
const port = process.env.PORT || '8080';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/health`;
const res = await fetch(url, { signal: AbortSignal.timeout(4000) }).catch(() => null);
process.exit(res?.ok ? 0 : 1);
