import { receiveFile, serveFile, SignedLinkQuery } from '../../kit/files.ts';
import { stringId } from '../../kit/ids.ts';
import { route } from '../../kit/route.ts';
import * as present from '../messaging-presenters.ts';
import { FileData } from '../messaging-schemas.ts';

/** 文件管理: /api/files. */

export const filesPath = '/api/files';

const file = { file_id: stringId({ notFound: 'FILE_NOT_FOUND' }, 'a file id, or thumb_<file id> for its thumbnail') };
const form = { fileField: 'file', kindField: 'type', kinds: { image: 'image', video: 'video', audio: 'audio', document: 'file' } } as const;

export const fileRoutes = [
  route.post(
    `${filesPath}/upload`,
    {
      rate: 'upload',
      summary: 'Upload a file (multipart/form-data: file, type = image|video|audio|document). The type is sniffed from the bytes; images get width, height and a thumbnail.',
      consumes: ['multipart/form-data'],
      data: FileData,
      message: '文件上传成功',
    },
    async (c) => present.file(await receiveFile(c, form), c.links),
  ),

  route.get(
    `${filesPath}/{file_id}`,
    {
      summary: 'Download a file (its owner, or members of a chat where it was sent); supports Range. thumb_<file id> is its thumbnail.',
      description: 'With exp and sig (a signed link, as the im-suite compatibility routes present image files) no token is needed until the link expires.',
      auth: 'optional',
      params: file,
      query: SignedLinkQuery,
      raw: true,
    },
    async (c) => serveFile(c, c.params.file_id, c.query),
  ),

  route.delete(`${filesPath}/{file_id}`, { summary: 'Delete my file', params: file, message: '文件删除成功' }, async (c) => {
    await c.services.files.delete(c.me, c.params.file_id);
  }),
];

