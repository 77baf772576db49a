import { version } from '../version.ts';
import type { MountedProfile } from './mounts.ts';

type Document = Record<string, unknown> & { paths?: Record<string, Record<string, Operation>> };

type Operation = { tags?: string[]; requestBody?: Record<string, unknown>; 'x-body-optional'?: boolean };

/** An operation as documented: a body its route marks as optional (`bodyOptional`) is not required. */
function documented(op: Operation): Operation {
  const { 'x-body-optional': optional, ...rest } = op;
  return optional && rest.requestBody ? { ...rest, requestBody: { ...rest.requestBody, required: false } } : rest;
}

/** The operations of a document tagged with one of `tags`. */
function only(doc: Document, tags: readonly string[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const kept = Object.entries(item).filter(([, op]) => typeof op === 'object' && op !== null && (op.tags ?? []).some((t) => tags.includes(t)));
    if (kept.length > 0) paths[path] = Object.fromEntries(kept.map(([method, op]) => [method, documented(op)]));
  }
  return paths;
}

export interface OpenApiDocuments {
  /** The docs UI's menu: one document per profile. */
  menu: { url: string; name: string }[];
  /** `/openapi.json`: the primary profile (the first mounted) and the operational endpoints. */
  primary(): Record<string, unknown>;
  /** `/openapi/<profile>.json`. */
  of(name: string): Record<string, unknown> | undefined;
}

/**
 * One OpenAPI document per mounted profile, cut from the listener's whole document by the
 * profile's tag, each titled and described as its API document.
 */
export function openApiDocuments(whole: () => Document, mounts: readonly MountedProfile[]): OpenApiDocuments {
  const build = (m: MountedProfile, extraTags: string[]) => {
    const doc = whole();
    return {
      ...doc,
      info: {
        title: `Parley: ${m.profile.title}`,
        version,
        description: `${m.profile.description}\n\nDocument: ${m.profile.document}; served at ${`${m.mount}${m.profile.basePath}` || '/'}.`,
      },
      paths: only(doc, [m.profile.name, ...extraTags]),
    };
  };
  return {
    menu: mounts.map((m) => ({ url: `/openapi/${m.profile.name}.json`, name: `${m.profile.name}: ${m.profile.title}` })),
    primary() {
      const first = mounts[0];
      return first ? build(first, ['operations']) : whole();
    },
    of(name) {
      const m = mounts.find((x) => x.profile.name === name);
      return m && build(m, []);
    },
  };
}
