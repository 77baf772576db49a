import { AppError } from '../../../domain/errors.ts';
import { receiveFile, serveFile } from '../../kit/files.ts';
import { thumbnailPrefix } from '../../kit/links.ts';
import { route } from '../../kit/route.ts';
import { fileId } from '../ids.ts';
import * as present from '../presenters.ts';
import { File } from '../schemas.ts';

/**
 * 文件管理接口: /v1/files. The info is JSON; the bytes are served apart, at
 * /v1/files/{fileId}/content and /thumbnail, to the uploader and the participants of chats
 * holding a message that carries the file.
 */

export const filesPath = '/v1';
const kinds = { image: 'image', document: 'file', audio: 'audio', video: 'video' } as const;
const file = { fileId };

export const fileRoutes = [
  route.post(
    '/v1/files/upload',
    {
      rate: 'upload',
      summary: 'Upload a file (multipart: file, and type = image, document, audio or video, else taken from the content)',
      description: 'mimeType is sniffed from the bytes; a type the content contradicts is VALIDATION_ERROR. Images get a thumbnail.',
      consumes: ['multipart/form-data'],
      data: File,
      status: 201,
    },
    async (c) => present.file(await receiveFile(c, { fileField: 'file', kindField: 'type', kinds }), c.rootLinks),
  ),

  route.get('/v1/files/{fileId}', { summary: "A file's info (the upload answer's shape)", params: file, data: File }, async (c) =>
    present.file(await c.services.files.info(c.me, c.params.fileId), c.rootLinks),
  ),

  route.get('/v1/files/{fileId}/content', { summary: "A file's bytes, with its sniffed Content-Type (Range supported)", params: file, raw: true }, async (c) => {
    // The kit reads a thumb_ prefix as "the thumbnail of"; here thumbnails have their own path.
    if (c.params.fileId.startsWith(thumbnailPrefix)) throw new AppError('FILE_NOT_FOUND', `file ${c.params.fileId} does not exist`);
    return serveFile(c, c.params.fileId);
  }),

  route.get('/v1/files/{fileId}/thumbnail', { summary: "An image's thumbnail (JPEG)", params: file, raw: true }, async (c) => serveFile(c, `${thumbnailPrefix}${c.params.fileId}`)),
];
