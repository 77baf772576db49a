import { integerId } from '../kit/ids.ts';
import { stringId } from '../kit/ids.ts';

/** The document's ids are integers; a malformed one in a path is a validation error (422). */
export const userId = integerId('validation', 'a user id');
export const requestId = integerId('validation', 'a friend request id');
export const messageId = integerId('validation', 'a message id');
/** File ids are Parley's own (the links in upload answers carry them). */
export const fileId = stringId({ notFound: 'FILE_NOT_FOUND' }, 'a file id');
