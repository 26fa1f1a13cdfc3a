/**
 * What a request is about, read from its method and path alone, as upstream's
 * k8s.io/apiserver/pkg/endpoints/request.RequestInfoFactory does: the verb,
 * API group and version, resource, subresource, namespace and name. Every
 * later step (authorization, routing, admission, audit) works from this.
 */
export type ResourceVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

export interface ResourceRequestInfo {
  readonly isResourceRequest: true;
  readonly path: string;
  readonly verb: ResourceVerb;
  /** 'api' for the legacy core group, 'apis' for named groups. */
  readonly apiPrefix: 'api' | 'apis';
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** Path segments after the subresource (e.g. proxy paths); rarely used. */
  readonly parts: readonly string[];
}

export interface NonResourceRequestInfo {
  readonly isResourceRequest: false;
  readonly path: string;
  /** Lower-cased HTTP method: get, post, put, patch, delete, head, options. */
  readonly verb: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

const SPECIAL_VERBS = new Set(['proxy', 'watch']);

/**
 * Parses a request. `query` is used only for `watch=true` (which turns a get
 * or list into a watch, as upstream does).
 */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const httpVerb = method.toLowerCase();
  const segments = path.split('/').filter((segment) => segment !== '').map(decodeSegment);
  const nonResource: NonResourceRequestInfo = { isResourceRequest: false, path, verb: httpVerb };

  const prefix = segments[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  let rest = segments.slice(1);
  let apiGroup = '';
  if (prefix === 'apis') {
    if (rest.length < 3) return nonResource; // /apis, /apis/group, /apis/group/version: discovery
    apiGroup = rest[0]!;
    rest = rest.slice(1);
  } else if (rest.length < 2) {
    return nonResource; // /api, /api/v1: discovery
  }
  const apiVersion = rest[0]!;
  rest = rest.slice(1);

  // /api/v1/watch/namespaces/x/pods: the deprecated watch path prefix.
  let specialVerb: string | undefined;
  if (SPECIAL_VERBS.has(rest[0]!)) {
    specialVerb = rest[0];
    rest = rest.slice(1);
    if (rest.length === 0) return nonResource;
  }

  let namespace = '';
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      namespace = rest[1]!;
      // /namespaces/{name} and /namespaces/{name}/{subresource} address the
      // Namespace object itself; anything longer is a resource inside it.
      if (rest.length > 2 && !(rest.length === 3 && isNamespaceSubresource(rest[2]!))) {
        rest = rest.slice(2);
      }
    }
  }

  const resource = rest[0] ?? '';
  const name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  const parts = rest.slice(3);

  let verb: ResourceVerb;
  switch (httpVerb) {
    case 'get':
    case 'head':
      verb = name === '' ? 'list' : 'get';
      break;
    case 'post':
      verb = 'create';
      break;
    case 'put':
      verb = 'update';
      break;
    case 'patch':
      verb = 'patch';
      break;
    case 'delete':
      verb = name === '' ? 'deletecollection' : 'delete';
      break;
    default:
      return nonResource;
  }
  if (specialVerb === 'watch' || ((verb === 'list' || verb === 'get') && isTrue(query.get('watch')))) {
    verb = 'watch';
  }

  return {
    isResourceRequest: true,
    path,
    verb,
    apiPrefix: prefix,
    apiGroup,
    apiVersion,
    namespace: resource === 'namespaces' && name !== '' ? name : namespace,
    resource,
    subresource,
    name,
    parts,
  };
}

/** Namespaces have subresources of their own: /namespaces/{name}/status and /finalize. */
function isNamespaceSubresource(segment: string): boolean {
  return segment === 'status' || segment === 'finalize';
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
