/**
 * Absolute file links. Domain objects carry only file ids; each response builds links from its own
 * base (see externalBase), and the realtime gateway does the same from the WebSocket upgrade
 * request, so events and REST responses show the same URLs.
 */
export interface FileLinks {
  file(fileId: string): string;
  /** The document shows thumbnails at files/thumb_<file id>. */
  thumbnail(fileId: string): string;
}

/** `filesPath` is where the files routes are mounted, e.g. "/api/files" (with any profile mount). */
export function fileLinks(base: string, filesPath: string): FileLinks {
  const root = `${base}${filesPath}`;
  return {
    file: (id) => `${root}/${id}`,
    thumbnail: (id) => `${root}/thumb_${id}`,
  };
}

export const thumbnailPrefix = 'thumb_';
