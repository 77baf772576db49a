import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { limits, normalizePhone } from '../../domain/validation.ts';
import { integerId, type IdCodec } from '../kit/ids.ts';

/** The document's ids are integers; a malformed one is a validation error (422), as before. */
export const userId = integerId('validation', 'a user id');
export const chatId = integerId('validation', 'a chat id');
export const messageId = integerId('validation', 'a message id');
export const scheduledId = integerId('validation', 'a scheduled message id');

const phonePattern = new RegExp(limits.phone.pattern);

/** A phone number in a path (im-suite's `/api/users/by-phone/{phone}`); a malformed one is a validation error. */
export const phone: IdCodec<string> = {
  schema: Type.String({ description: 'a phone number, e.g. 13800138000', examples: ['13800138000'] }),
  decode(raw, param) {
    const normalized = normalizePhone(raw);
    if (!phonePattern.test(normalized)) throw AppError.validation([{ field: param, message: 'must be a phone number' }]);
    return normalized;
  },
};
