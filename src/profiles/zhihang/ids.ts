import { integerId } from '../kit/ids.ts';

/** The document's ids are integers; a malformed one is a validation error (422), as before. */
export const userId = integerId('validation', 'a user id');
export const chatId = integerId('validation', 'a chat id');
export const messageId = integerId('validation', 'a message id');
export const scheduledId = integerId('validation', 'a scheduled message id');
