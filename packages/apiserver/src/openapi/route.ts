import { notAcceptable } from '../errors/status.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { SchemaRegistry } from '../schema/types.js';
import type { NonResourceRoute } from '../server/api-server.js';
import { sendObject, sendText } from '../server/responses.js';
import { buildOpenApiV2, buildOpenApiV3GroupVersion, buildOpenApiV3Index, documentHash } from './documents.js';

/** A schema registry whose contents change at run time says so with a generation counter. */
interface Versioned {
  readonly version?: number;
}

/**
 * Serves /openapi/v2 and /openapi/v3[/<group version>], building documents
 * lazily and keeping them until the served resources change (a CRD comes or
 * goes). Group-version documents are immutable per hash, as upstream's: a
 * client that asks with the current hash may cache them for good.
 */
export function openApiRoute(resources: ResourceRegistry, schemas: SchemaRegistry & Versioned, kubernetesVersion: string): NonResourceRoute {
  let cacheKey = '';
  let groupVersions = new Map<string, object>();
  let v2: object | undefined;
  const info = { version: kubernetesVersion };

  const refresh = (): void => {
    const key = `${resources.version}/${schemas.version ?? 0}`;
    if (key === cacheKey) return;
    cacheKey = key;
    v2 = undefined;
    const byGroupVersion = new Map<string, object>();
    for (const { group, versions } of resources.groups()) {
      for (const version of versions) {
        const path = group === '' ? `api/${version}` : `apis/${group}/${version}`;
        byGroupVersion.set(path, { group, version });
      }
    }
    groupVersions = byGroupVersion;
  };

  const documents = new Map<string, { key: string; document: object }>();
  const groupVersionDocument = (path: string): object | undefined => {
    const target = groupVersions.get(path) as { group: string; version: string } | undefined;
    if (target === undefined) return undefined;
    const cached = documents.get(path);
    if (cached !== undefined && cached.key === cacheKey) return cached.document;
    const document = buildOpenApiV3GroupVersion(resources.resourcesOf(target.group, target.version), schemas, info);
    documents.set(path, { key: cacheKey, document });
    return document;
  };

  return (path, _query, request, response) => {
    if (path !== '/openapi/v2' && path !== '/openapi/v3' && !path.startsWith('/openapi/v3/')) return false;
    if ((request.method ?? 'GET') !== 'GET' && request.method !== 'HEAD') return false;
    refresh();
    const json = { format: 'json' as const, contentType: 'application/json' };
    if (path === '/openapi/v2') {
      // Only JSON is served; a client that accepts nothing else (protobuf) is told so.
      const accept = request.headers.accept ?? '';
      if (accept !== '' && !/application\/json|\*\/\*/.test(accept)) throw notAcceptable('only the following media types are accepted: application/json');
      v2 ??= buildOpenApiV2(
        resources.all().map((resource) => resource.definition),
        schemas,
        info,
      );
      sendObject(response, 200, v2, json, { headers: { ETag: `"${documentHash(v2)}"` } });
      return true;
    }
    if (path === '/openapi/v3') {
      const built = new Map<string, object>();
      for (const gv of groupVersions.keys()) built.set(gv, groupVersionDocument(gv)!);
      sendObject(response, 200, buildOpenApiV3Index(built), json);
      return true;
    }
    const document = groupVersionDocument(path.slice('/openapi/v3/'.length));
    if (document === undefined) {
      sendText(response, 404, '404 page not found\n');
      return true;
    }
    const hash = documentHash(document);
    sendObject(response, 200, document, json, {
      headers: { ETag: `"${hash}"`, 'Cache-Control': request.url?.includes('hash=') ? 'public, immutable' : 'no-cache, private' },
    });
    return true;
  };
}
