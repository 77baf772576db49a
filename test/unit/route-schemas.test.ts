import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { compileStrict, validatorCompiler } from '../../src/http/validation.ts';
import { profiles } from '../../src/profiles/index.ts';
import { installProfile, type MountDeps } from '../../src/profiles/kit/install.ts';

/**
 * The server compiles a route's schemas at its first request (src/http/lazy-schemas.ts), so a
 * schema that Ajv or fast-json-stringify refuses would show only then. Here every route of every
 * profile is compiled up front, as Fastify does by default: validators and response serializers;
 * and so is every socket command's validator.
 */
describe('route schemas', () => {
  for (const profile of profiles) {
    it(`every schema of ${profile.name} compiles`, async () => {
      const app = Fastify();
      app.setValidatorCompiler(validatorCompiler);
      await app.register(async (scope) => installProfile(scope, profile, '', {} as MountDeps));
      await app.ready();
      assert.ok(profile.routes.length > 0);
      await app.close();
    });
  }

  for (const profile of profiles.filter((p) => p.socket)) {
    it(`every socket command schema of ${profile.name} compiles`, () => {
      const commands = Object.entries(profile.socket!.commands);
      assert.ok(commands.length > 0);
      // A validator compiles at its first call; a schema Ajv refuses throws there.
      for (const [name, schema] of commands) assert.doesNotThrow(() => compileStrict(schema)(undefined), name);
    });
  }
});
