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
