import { integerId, stringId } from '../kit/ids.ts';

/**
 * The document's ids are strings; Parley's are the decimal digits of its own ids (files their
 * random ones). An id of any other form names nothing: NOT_FOUND, in paths, queries and bodies.
 */
export const userId = integerId({ notFound: 'USER_NOT_FOUND' }, 'a user id');
export const chatId = integerId({ notFound: 'CHAT_NOT_FOUND' }, 'a chat id');
export const messageId = integerId({ notFound: 'MESSAGE_NOT_FOUND' }, 'a message id');
export const departmentId = integerId({ notFound: 'DEPARTMENT_NOT_FOUND' }, 'a department id');
export const fileId = stringId({ notFound: 'FILE_NOT_FOUND' }, 'a file id');

export { idText } from '../kit/ids.ts';
