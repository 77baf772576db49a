import { createRequire } from 'node:module';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';

/**
 * Route schemas compiled on a route's first request instead of at start. The five profiles
 * declare hundreds of request and response schemas; compiling them all (Ajv validators,
 * fast-json-stringify serializers) was most of the server's start-up time, for routes many
 * deployments never call. A first call pays its own route's compilation once (milliseconds).
 */

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/** A validator compiler whose validators compile at their first use. */
export function lazyValidators(compile: FastifySchemaCompiler<unknown>): FastifySchemaCompiler<unknown> {
  return (routeSchema) => {
    let compiled: Validate | undefined;
    const validate: Validate = (data) => {
      compiled ??= compile(routeSchema) as Validate;
      const result = compiled(data);
      validate.errors = compiled.errors;
      return result;
    };
    return validate as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

type SerializerBuilder = (externalSchemas: unknown, options: unknown) => (routeSchema: unknown) => (data: unknown) => string;

/**
 * Fastify's own serializer builder (fast-json-stringify, resolved through fastify so that it is the
 * version fastify uses), with each route's serializer compiled at its first response.
 */
export function lazySerializers(): NonNullable<FastifyServerOptions['schemaController']> {
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  const { SerializerSelector } = fromFastify('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerBuilder };
  const build = SerializerSelector();
  const buildSerializer: SerializerBuilder = (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (routeSchema) => {
      let compiled: ((data: unknown) => string) | undefined;
      return (data) => (compiled ??= compile(routeSchema))(data);
    };
  };
  return { compilersFactory: { buildSerializer } };
}
