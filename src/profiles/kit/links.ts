import type { FastifyRequest } from 'fastify';

/**
 * File links. Domain objects carry only file ids; each response builds absolute links from its
 * own base (see externalBase). Socket frames use PUBLIC_URL when configured, otherwise the base the
 * socket connected with (see mountedSocket).
 */
export interface FileLinks {
  file(fileId: string): string;
  /** A file's thumbnail, at `<files path>/thumb_<file id>`. */
  thumbnail(fileId: string): string;
}

export const thumbnailPrefix = 'thumb_';

/** `filesPath` is where a profile serves files, mount included, e.g. "/api/files". */
export function fileLinks(base: string, filesPath: string): FileLinks {
  const root = `${base}${filesPath}`;
  return {
    file: (id) => `${root}/${id}`,
    thumbnail: (id) => `${root}/${thumbnailPrefix}${id}`,
  };
}

/** A link's own authorisation, as the file service signs it (see FileService.signLink). */
export type LinkSigning = (fileId: string, which: 'original' | 'thumbnail') => { expires: number; signature: string };

/**
 * Links that carry their own short-lived authorisation (`?exp=<epoch seconds>&sig=<signature>`),
 * for clients that show a file with a plain `<img src>` and so send no token. `serveFile` checks them.
 */
export function signedFileLinks(links: FileLinks, sign: LinkSigning): FileLinks {
  const signed = (url: string, s: { expires: number; signature: string }) => `${url}?exp=${s.expires}&sig=${s.signature}`;
  return {
    file: (id) => signed(links.file(id), sign(id, 'original')),
    thumbnail: (id) => signed(links.thumbnail(id), sign(id, 'thumbnail')),
  };
}

/**
 * The external base URL for links in a response: PUBLIC_URL when configured, otherwise the
 * scheme and host the client used (X-Forwarded-* count only with TRUST_PROXY).
 */
export function externalBase(publicUrl: string | undefined, request: Pick<FastifyRequest, 'protocol' | 'host'>): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
