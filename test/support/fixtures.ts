import { untouchedMessage, type Message } from '../../src/domain/types.ts';

/** A live, unedited text message created at `at`; tests name only what they care about. */
export function messageFixture(at: number, fields: Partial<Message> & Pick<Message, 'id' | 'conversationId' | 'senderId'>): Message {
  return {
    type: 'text',
    content: '',
    caption: '',
    attachment: null,
    replyToId: null,
    forwardFrom: null,
    ttl: 0,
    expiresAt: null,
    sendAt: null,
    isSilent: false,
    isEncrypted: false,
    clientId: null,
    ...untouchedMessage,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

/** Message 101 of conversation 1 by user 2: a photo with a thumbnail, sent silently with client id c-1. */
export function photoFixture(at: number): Message {
  return messageFixture(at, {
    id: 101,
    conversationId: 1,
    senderId: 2,
    type: 'image',
    attachment: { fileId: 'file_abcdefgh1234', name: 'cat.png', size: 1234, mime: 'image/png', width: 40, height: 30, duration: null, hasThumbnail: true },
    isSilent: true,
    clientId: 'c-1',
  });
}
