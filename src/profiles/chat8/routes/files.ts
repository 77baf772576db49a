import { AppError } from '../../../domain/errors.ts';
import { receiveFile, receiveFileWith, serveFile, servePublicFile } from '../../kit/files.ts';
import { route } from '../../kit/route.ts';
import { fileId, userId } from '../ids.ts';
import { AvatarData, FileData } from '../schemas.ts';

/**
 * 文件上传: /api/v1/upload/*, and the downloads their links name (extensions): chat files at
 * /api/v1/files/{id} for the uploader and the receiver, avatars at /api/v1/avatars/{id} for anyone.
 */

export const filesPath = '/api/v1';
const file = { file_id: fileId };

export const fileRoutes = [
  route.post(
    '/api/v1/upload/avatar',
    { rate: 'upload', summary: 'Upload an image (multipart: file) that becomes my avatar', consumes: ['multipart/form-data'], data: AvatarData, message: '头像上传成功' },
    async (c) => {
      const stored = await receiveFile(c, { fileField: 'file', kindField: '', kinds: {}, kind: 'image' });
      await c.services.files.publish(c.me, stored.id);
      const avatarUrl = c.links.file(`avatars/${stored.id}`);
      await c.services.users.updateMe(c.me, { avatar: avatarUrl });
      return { avatar_url: avatarUrl };
    },
  ),

  route.post(
    '/api/v1/upload/file',
    { rate: 'upload', summary: 'Upload a chat file (multipart: file, receiver_id)', consumes: ['multipart/form-data'], data: FileData, message: '文件上传成功' },
    async (c) => {
      let receiverId = 0;
      const { file: stored } = await receiveFileWith(c, {
        fileField: 'file',
        kindField: '',
        kinds: {},
        accept: async (fields) => {
          if (fields.receiver_id === undefined) throw AppError.validation([{ field: 'receiver_id', message: 'is required' }]);
          receiverId = userId.decode(fields.receiver_id.trim(), 'receiver_id');
          await c.services.users.view(c.me, receiverId);
        },
      });
      await c.services.files.shareWith(c.me, stored.id, receiverId);
      return { file_url: c.links.file(`files/${stored.id}`), file_name: stored.name, file_size: stored.size, file_type: stored.mime };
    },
  ),

  route.get('/api/v1/files/{file_id}', { summary: 'Download a chat file (its uploader and receiver; Range supported)', params: file, raw: true }, async (c) =>
    serveFile(c, c.params.file_id),
  ),

  route.get('/api/v1/avatars/{file_id}', { summary: 'Download an avatar (no token needed)', auth: false, params: file, raw: true }, async (c) =>
    servePublicFile(c, c.params.file_id),
  ),
];
