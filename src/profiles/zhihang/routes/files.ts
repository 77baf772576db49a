import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core.ts';
import type { FileKind } from '../../../domain/types.ts';
import { sendDownload } from '../../../http/downloads.ts';
import { caller } from '../../../http/guard.ts';
import { receiveUpload } from '../../../http/uploads.ts';
import { externalBase } from '../../common/urls.ts';
import { Empty, Envelope, ok } from '../envelope.ts';
import { fileLinks, thumbnailPrefix } from '../links.ts';
import * as present from '../messaging-presenters.ts';
import { FileData } from '../messaging-schemas.ts';

const FileParams = Type.Object({ file_id: Type.String({ minLength: 1, maxLength: 100, description: 'a file id, or thumb_<file id> for its thumbnail' }) });
const kinds: Record<string, FileKind> = { image: 'image', video: 'video', audio: 'audio', document: 'file' };

export async function fileRoutes(fastify: FastifyInstance, core: Core): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const filesPath = fastify.prefix;

  app.post(
    '/upload',
    {
      config: { rateClass: 'upload' },
      schema: {
        summary: `Upload a file (multipart/form-data: file, type = image|video|audio|document). The type is sniffed from the bytes; images get width, height and a thumbnail.`,
        consumes: ['multipart/form-data'],
        response: { 200: Envelope(FileData) },
      },
    },
    async (request) => {
      const file = await receiveUpload(request, core.files, caller(request).userId, { fileField: 'file', kindField: 'type', kindOf: (v) => kinds[v] });
      return ok(present.file(file, fileLinks(externalBase(core.config.publicUrl, request), filesPath)), '文件上传成功');
    },
  );

  app.get(
    '/:file_id',
    {
      schema: {
        summary: 'Download a file (its owner, or members of a chat where it was sent); supports Range. thumb_<file id> is its thumbnail.',
        params: FileParams,
      },
    },
    async (request, reply) => {
      const { file_id } = request.params;
      const thumbnail = file_id.startsWith(thumbnailPrefix);
      const id = thumbnail ? file_id.slice(thumbnailPrefix.length) : file_id;
      const download = await core.files.download(caller(request).userId, id, thumbnail ? 'thumbnail' : 'original');
      return sendDownload(request, reply, download, thumbnail ? `thumb_${download.file.name}.jpg` : download.file.name);
    },
  );

  app.delete(
    '/:file_id',
    { schema: { summary: 'Delete my file', params: FileParams, response: { 200: Envelope(Empty) } } },
    async (request) => {
      await core.files.delete(caller(request).userId, request.params.file_id);
      return ok({}, '文件删除成功');
    },
  );
}
