import type { Core } from '../../core.ts';

/**
 * What a profile may call: the services, and nothing under them (no store, bus, limiter or
 * configuration). Every rule a profile needs is a method here.
 */
export type Services = Pick<Core, 'auth' | 'users' | 'contacts' | 'conversations' | 'messages' | 'files' | 'calls' | 'friends' | 'keys' | 'directory' | 'oauth' | 'sync' | 'health' | 'admin'>;

export function servicesOf(core: Core): Services {
  const { auth, users, contacts, conversations, messages, files, calls, friends, keys, directory, oauth, sync, health, admin } = core;
  return { auth, users, contacts, conversations, messages, files, calls, friends, keys, directory, oauth, sync, health, admin };
}
