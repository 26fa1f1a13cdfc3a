import { notAcceptable } from '../errors/status.js';

/**
 * Content negotiation of responses. Clients ask for JSON or YAML, and for
 * JSON "as" a Table (kubectl get), PartialObjectMetadata (metadata-only
 * informers) or, on discovery, the aggregated APIGroupDiscoveryList. Protobuf
 * is not served: a client that accepts only protobuf gets 406, one that also
 * accepts JSON gets JSON (client-go always lists JSON as a fallback).
 */
export type Rendering = 'object' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'APIGroupDiscoveryList';

export interface Negotiated {
  readonly format: 'json' | 'yaml';
  readonly rendering: Rendering;
  /** The media type to send back as Content-Type. */
  readonly contentType: string;
  /** Table: `includeObject` policy comes from the query; this is the version asked for. */
  readonly version?: string;
}

interface Candidate {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly quality: number;
  readonly order: number;
}

function parseAccept(header: string | undefined): Candidate[] {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', params: new Map(), quality: 1, order: 0 }];
  return header
    .split(',')
    .map((part, order) => {
      const [type = '', ...rest] = part.split(';').map((piece) => piece.trim());
      const params = new Map<string, string>();
      let quality = 1;
      for (const param of rest) {
        const [key = '', value = ''] = param.split('=').map((piece) => piece.trim());
        if (key === 'q') quality = Number(value);
        else params.set(key.toLowerCase(), value);
      }
      return { type: type.toLowerCase(), params, quality: Number.isFinite(quality) ? quality : 0, order };
    })
    .filter((candidate) => candidate.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
}

export interface NegotiationOptions {
  /** Which "as" renderings this endpoint can produce. */
  readonly renderings: readonly Rendering[];
}

export function negotiate(accept: string | undefined, options: NegotiationOptions): Negotiated {
  const candidates = parseAccept(accept);
  for (const candidate of candidates) {
    const format = candidate.type === 'application/yaml' ? 'yaml' : candidate.type === 'application/json' || candidate.type === '*/*' || candidate.type === 'application/*' ? 'json' : undefined;
    if (format === undefined) continue;
    const as = candidate.params.get('as');
    if (as === undefined) return { format, rendering: 'object', contentType: format === 'yaml' ? 'application/yaml' : 'application/json' };
    const rendering = as as Rendering;
    if (!options.renderings.includes(rendering)) continue;
    const group = candidate.params.get('g');
    const version = candidate.params.get('v');
    if (rendering === 'APIGroupDiscoveryList') {
      if (group !== 'apidiscovery.k8s.io' || (version !== 'v2' && version !== 'v2beta1')) continue;
      return { format, rendering, contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`, version };
    }
    if (group !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue;
    return { format, rendering, contentType: `application/${format};as=${rendering};v=${version};g=meta.k8s.io`, version };
  }
  throw notAcceptable(`only the following media types are accepted: application/json, application/yaml`);
}
