import { createHmac } from 'node:crypto';
import type { IceConfig } from '../config.ts';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceServerList {
  servers: IceServer[];
  /** Seconds the TURN credentials stay valid, when they were minted. */
  ttl: number | null;
  expiresAt: number | null;
}

/**
 * STUN/TURN servers for a user's calls. With a shared secret, TURN credentials follow the TURN
 * REST API scheme (draft-uberti-behave-turn-rest): username `<expiry unix time>:<user id>`,
 * password base64(HMAC-SHA1(secret, username)); the TURN server checks them without asking us.
 */
export function iceServersFor(config: IceConfig, userId: number, now: number): IceServerList {
  const servers: IceServer[] = [];
  if (config.iceServers.length > 0) servers.push({ urls: config.iceServers });
  if (config.turnUrls.length === 0) return { servers, ttl: null, expiresAt: null };
  if (config.turnSecret) {
    const expiry = Math.floor(now / 1000) + config.turnTtl;
    const username = `${expiry}:${userId}`;
    const credential = createHmac('sha1', config.turnSecret).update(username).digest('base64');
    servers.push({ urls: config.turnUrls, username, credential });
    return { servers, ttl: config.turnTtl, expiresAt: expiry * 1000 };
  }
  servers.push({
    urls: config.turnUrls,
    ...(config.turnUsername !== undefined && { username: config.turnUsername }),
    ...(config.turnPassword !== undefined && { credential: config.turnPassword }),
  });
  return { servers, ttl: null, expiresAt: null };
}
