import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import type { ProfileCodec } from '../realtime/codec.ts';
import type { ErrorRenderer } from './errors.ts';

/**
 * One API document served over HTTP: a pure mapping layer. It declares its routes (paths,
 * schemas, presenters) and how errors look; business rules stay in the services.
 */
export interface Profile {
  name: string;
  /** The API document it implements, under ../shared/specs. */
  document: string;
  /** Where it is mounted unless configured otherwise ('' is the root). */
  defaultMount: string;
  /** Its documented REST base, for docs and logs. */
  basePath: string;
  renderError: ErrorRenderer;
  /** Registers the profile's routes on a scope already prefixed with its mount. */
  routes(scope: FastifyInstance, core: Core): Promise<void>;
  /** Its WebSocket dialect, when it has a socket (served at mount + codec.path). */
  socket?(core: Core, mount: string): ProfileCodec;
}
