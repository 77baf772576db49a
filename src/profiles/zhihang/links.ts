/**
 * File links. Domain objects carry only file ids; each response builds absolute links from its
 * own base (see externalBase). Socket frames are encoded once for every receiver, so they use
 * PUBLIC_URL when configured and are root-relative otherwise.
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

/** Where the profile serves files, below its mount. */
export const filesRoute = '/api/files';
