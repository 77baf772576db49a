import type { Message } from '../../domain/types.ts';
import { signedFileLinks, type FileLinks } from '../kit/links.ts';
import type { Services } from '../kit/services.ts';

/**
 * Compatibility with the im-suite web client (`im-client-web` of zhihang9978/im-suite, the
 * system document 000 comes from): what it calls and reads that the document does not list.
 * Routes are additions under this OpenAPI tag; its socket frame is a compatibility mode that a
 * deployment switches on (ZHIHANG_COMPAT=im-suite).
 */
export const imSuiteTag = 'im-suite compatibility';

/**
 * File links of messages as this client needs them: it shows an image with a plain `<img src>`,
 * which sends no token, so an image's links (file and thumbnail) carry a short-lived signature.
 * Other files keep the plain, token-authorised link.
 */
export function imSuiteLinks(links: FileLinks, files: Services['files']): (m: Message) => FileLinks {
  const signed = signedFileLinks(links, (id, which) => files.signLink(id, which));
  return (m) => (m.type === 'image' ? signed : links);
}
