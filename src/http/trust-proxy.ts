import type { TrustProxy } from '../config.ts';

/** Fastify's (proxy-addr's) trust test: is the address `hop` steps from the node a proxy to believe? */
export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Fastify's `trustProxy` for the TRUST_PROXY setting. Fastify refuses a bare hop count (it cannot
 * check the connecting peer), so a count becomes a function trusting the nearest `hops` addresses
 * of the chain: the connecting peer is hop 0. Behind one nginx that sets X-Forwarded-For to
 * `$remote_addr`, hop count 1 makes the address nginx saw the client's; it is safe only where
 * nothing but the proxy can reach the node, which is why an address list is the safer form.
 */
export function trustProxyOption(setting: TrustProxy): boolean | string[] | TrustFunction {
  if (typeof setting === 'boolean') return setting;
  if ('addresses' in setting) return setting.addresses;
  const { hops } = setting;
  return (_address, hop) => hop < hops;
}
