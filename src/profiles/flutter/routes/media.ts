import { AppError } from '../../../domain/errors.ts';
import { receiveFileWith, serveFile, servePublicFile } from '../../kit/files.ts';
import { route } from '../../kit/route.ts';
import { mediaId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Media } from '../schemas.ts';

/**
 * 8. 多媒体消息: /v1/media/upload, and the links its answers and avatars name (extensions):
 * media at /v1/media/{media_id} for the uploader and members of conversations it was sent in,
 * avatars at /v1/avatars/{media_id} for anyone.
 */

export const filesPath = '/v1';
const media = { media_id: mediaId };
const kinds = { image: 'image', video: 'video', audio: 'audio', file: 'file' } as const;

export const mediaRoutes = [
  route.post(
    '/v1/media/upload',
    { rate: 'upload', summary: 'Upload a media file (multipart: file, type = image, video, audio or file)', consumes: ['multipart/form-data'], data: Media, status: 201 },
    async (c) => {
      const { file, fields } = await receiveFileWith(c, { fileField: 'file', kindField: 'type', kinds });
      if (!fields.type) {
        await c.services.files.delete(c.me, file.id);
        throw AppError.validation([{ field: 'type', message: 'is required: image, video, audio or file' }]);
      }
      return present.media(file, c.links);
    },
  ),

  route.get('/v1/media/{media_id}', { summary: 'Download a media file (Range supported)', params: media, raw: true }, async (c) => serveFile(c, c.params.media_id)),

  route.get('/v1/avatars/{media_id}', { summary: 'Download an avatar (no token needed)', auth: false, params: media, raw: true }, async (c) =>
    servePublicFile(c, c.params.media_id),
  ),
];
