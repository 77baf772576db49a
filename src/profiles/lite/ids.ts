import { integerId } from '../kit/ids.ts';

/**
 * The document's ids are opaque strings; Parley's are their decimal digits. An id of any other
 * form names nothing, so it is the resource's not-found (404), never a validation error.
 */
export const userId = integerId({ notFound: 'USER_NOT_FOUND' }, 'a user id');
export const groupId = integerId({ notFound: 'CHAT_NOT_FOUND' }, 'a group id');

export { idText } from '../kit/ids.ts';
