import { integerId, stringId } from '../kit/ids.ts';

/**
 * The document's ids are opaque strings (decision C2); Parley's are the decimal digits of its
 * own ids, media and call ids its random ones. An id of any other form names nothing: 404.
 */
export const userId = integerId({ notFound: 'USER_NOT_FOUND' }, 'a user id');
export const conversationId = integerId({ notFound: 'CHAT_NOT_FOUND' }, 'a conversation id');
/** A group is its group conversation: the same id. */
export const groupId = integerId({ notFound: 'CHAT_NOT_FOUND' }, 'a group id');
export const messageId = integerId({ notFound: 'MESSAGE_NOT_FOUND' }, 'a message id');
export const mediaId = stringId({ notFound: 'FILE_NOT_FOUND' }, 'a media id');
export const callId = stringId({ notFound: 'CALL_NOT_FOUND' }, 'a call id');

export { idText } from '../kit/ids.ts';
