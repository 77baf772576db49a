import type { Key } from '../lib/i18n.ts';

/** One line standing for a message in the chat list and in quotes. */
export function previewOf(m: { type: string; content: string }, t: (k: Key) => string): string {
  if (m.type === 'image') return `🖼 ${m.content || t('image')}`;
  if (m.type === 'document' || m.type === 'video' || m.type === 'audio') return `📎 ${m.content || t('file')}`;
  if (m.type === 'call') return `📞 ${m.content}`;
  return m.content;
}
