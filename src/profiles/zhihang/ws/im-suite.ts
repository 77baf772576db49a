import type { CompatMode } from '../../kit/socket.ts';
import { imSuiteLinks } from '../im-suite.ts';
import * as chats from '../messaging-presenters.ts';
import { imSuiteFrames } from './frames.ts';

/**
 * ZHIHANG_COMPAT=im-suite: the im-suite web client handles new messages only as
 * `{"type": "message", "data": <message>}` (and ignores `message.new`), so each new message is
 * also sent so, after its `message.new`, with the same data.
 */
export const imSuite: CompatMode = {
  encoders: ({ services, links }) => {
    const linksOf = imSuiteLinks(links, services.files);
    return {
      events: {
        'message.created': ({ data: d }) => ({ type: 'message', data: chats.sharedMessage({ message: d.message, sender: d.sender }, linksOf(d.message)) }),
      },
    };
  },
  frames: imSuiteFrames,
};
