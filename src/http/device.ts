import type { FastifyRequest } from 'fastify';
import type { DeviceInfo } from '../domain/types.ts';
import { limits } from '../domain/validation.ts';

/** What the request says about the device logging in; profiles may add documented fields. */
export function deviceOf(request: FastifyRequest, extra: Partial<DeviceInfo> = {}): DeviceInfo {
  const header = request.headers['x-device-id'];
  const deviceId = extra.deviceId ?? (typeof header === 'string' ? header : undefined);
  return {
    ...extra,
    deviceId: deviceId?.slice(0, limits.deviceId.maxLength),
    userAgent: request.headers['user-agent'],
    ip: request.ip,
  };
}
