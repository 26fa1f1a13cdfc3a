import { describe, expect, it } from 'vitest';
import { ApiError, type Status } from '../../src/errors/status.js';
import type { JsonObject, KubeObject } from '../../src/resources/types.js';
import {
  acceptedPatchMediaTypes,
  applyPatch,
  supportsStrategicMergePatch,
  unsupportedPatchType,
  type ApplyPatchOptions,
  type PatchInput,
  type PatchKind,
} from '../../src/patch/index.js';
import { POD, registry } from './schemas.js';

const original: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

function patched(kind: PatchKind, patch: PatchInput, options?: ApplyPatchOptions): unknown {
  return applyPatch(kind, original, patch, POD, registry, options);
}

function refusal(kind: PatchKind, patch: PatchInput, options?: ApplyPatchOptions): Status {
  try {
    patched(kind, patch, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return (error as ApiError).status;
  }
  throw new Error('expected the patch to be refused');
}

function badRequest(message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 };
}

/** upstream's NewInvalid(GroupKind{}, "", patch: Invalid value: …): empty kind and name, so the message starts with a space. */
function invalidPatch(value: string, detail: string): Status {
  const body = `Invalid value: ${value}: ${detail}`;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: ` "" is invalid: patch: ${body}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'FieldValueInvalid', message: body, field: 'patch' }] },
    code: 422,
  };
}

const NOT_AN_OBJECT = (type: string): string =>
  `couldn't get version/kind; json parse error: json: cannot unmarshal ${type} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;

describe('applyPatch: successful patches of each kind', () => {
  it('applies a JSON patch given as bytes', () => {
    const body = Buffer.from(JSON.stringify([{ op: 'replace', path: '/spec/containers/0/image', value: 'redis' }]));
    expect(patched('json', body)).toEqual({ ...original, spec: { containers: [{ name: 'c', image: 'redis' }] } });
  });

  it('applies a merge patch given as text', () => {
    expect(patched('merge', '{"metadata":{"labels":{"app":null,"tier":"db"}}}')).toEqual({ ...original, metadata: { name: 'web', labels: { tier: 'db' } } });
  });

  it('applies a strategic merge patch given as a decoded value, driven by the schema', () => {
    expect(patched('strategic', { spec: { containers: [{ name: 'side', image: 'busybox' }] } })).toEqual({
      ...original,
      spec: { containers: [{ name: 'side', image: 'busybox' }, { name: 'c', image: 'nginx' }] },
    });
  });

  it('never modifies the current object', () => {
    const before = structuredClone(original);
    patched('json', [{ op: 'remove', path: '/metadata/labels' }]);
    patched('merge', { spec: null });
    patched('strategic', { metadata: { labels: { app: null } } });
    expect(original).toEqual(before);
  });

  it('treats a null strategic merge patch as no change, and a null JSON patch as no operations', () => {
    expect(patched('strategic', 'null')).toEqual(original);
    expect(patched('json', 'null')).toEqual(original);
  });
});

describe('applyPatch: bodies that are not JSON', () => {
  it.each<[PatchKind, ApplyPatchOptions | undefined, string]>([
    ['json', undefined, "error decoding patch: invalid character 'x' looking for beginning of value"],
    ['json', { fieldValidation: 'Strict' }, "error decoding patch: invalid character 'x' looking for beginning of value"],
    ['json', { fieldValidation: 'Ignore' }, "invalid character 'x' looking for beginning of value"],
    ['merge', undefined, "error decoding patch: invalid character 'x' looking for beginning of value"],
    ['merge', { fieldValidation: 'Ignore' }, 'Invalid JSON Patch'],
    ['strategic', undefined, "invalid character 'x' looking for beginning of value"],
    ['strategic', { fieldValidation: 'Ignore' }, "invalid character 'x' looking for beginning of value"],
  ])('%s patch (%j) → 400 %s', (kind, options, message) => {
    expect(refusal(kind, 'x', options)).toEqual(badRequest(message));
  });

  it('an empty body is the end of the input', () => {
    expect(refusal('strategic', Buffer.alloc(0))).toEqual(badRequest('unexpected end of JSON input'));
    expect(refusal('json', '')).toEqual(badRequest('error decoding patch: unexpected end of JSON input'));
  });
});

describe('applyPatch: bodies of the wrong shape', () => {
  it.each<[PatchKind, string, ApplyPatchOptions | undefined, string]>([
    ['json', '{"op":"add"}', undefined, 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'],
    ['json', '{"op":"add"}', { fieldValidation: 'Ignore' }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['json', '["add"]', undefined, 'error decoding patch: json: cannot unmarshal string into Go value of type handlers.jsonPatchOp'],
    ['json', '["add"]', { fieldValidation: 'Ignore' }, 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
    ['json', '[{"op":1,"path":"/a"}]', undefined, 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string'],
    ['json', '[{"op":"add","path":{}}]', undefined, 'error decoding patch: json: cannot unmarshal object into Go struct field jsonPatchOp.path of type string'],
    ['merge', '[1]', undefined, 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['merge', '"x"', { fieldValidation: 'Strict' }, 'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}'],
    ['merge', '"x"', { fieldValidation: 'Ignore' }, 'Invalid JSON Patch'],
    ['merge', 'null', undefined, 'Invalid JSON Patch'],
    ['merge', 'null', { fieldValidation: 'Ignore' }, 'Invalid JSON Patch'],
    ['strategic', '[1]', undefined, 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['strategic', 'true', { fieldValidation: 'Ignore' }, 'json: cannot unmarshal bool into Go value of type map[string]interface {}'],
    ['strategic', '{"a":1e400}', undefined, 'json: cannot unmarshal number 1e400 into Go value of type float64'],
    ['merge', '{"a":1e400}', undefined, 'error decoding patch: json: cannot unmarshal number 1e400 into Go value of type float64'],
    ['merge', '{"a":1e400}', { fieldValidation: 'Ignore' }, 'json: cannot unmarshal number 1e400 into Go value of type float64'],
    ['json', '[{"op":"add","path":"/a","value":-1e400}]', undefined, 'error decoding patch: json: cannot unmarshal number -1e400 into Go struct field jsonPatchOp.value of type float64'],
  ])('%s patch %s (%j) → 400 %s', (kind, body, options, message) => {
    expect(refusal(kind, body, options)).toEqual(badRequest(message));
  });

  it('an operation of unknown kind fails at apply time when strict decoding does not catch it', () => {
    expect(refusal('json', '[{"op":1,"path":"/a"}]', { fieldValidation: 'Ignore' })).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  it('a merge patch that is an array replaces the object, which then fails to decode (422)', () => {
    expect(refusal('merge', '[{"a":null,"b":1}]', { fieldValidation: 'Ignore' })).toEqual(invalidPatch('"[{\\"b\\":1}]"', NOT_AN_OBJECT('array')));
  });

  it('a JSON patch that replaces the object with a list fails to decode (422)', () => {
    expect(refusal('json', [{ op: 'replace', path: '', value: [1, '<'] }])).toEqual(invalidPatch('"[1,\\"\\\\u003c\\"]"', NOT_AN_OBJECT('array')));
  });
});

describe('applyPatch: JSON patch limits', () => {
  const add = { op: 'add', path: '/metadata/labels/x', value: '1' };

  it('accepts 10000 operations', () => {
    expect(patched('json', Array.from({ length: 10_000 }, () => add))).toMatchObject({ metadata: { labels: { app: 'web', x: '1' } } });
  });

  it('refuses 10001 with 413', () => {
    expect(refusal('json', Array.from({ length: 10_001 }, () => add))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
      reason: 'RequestEntityTooLarge',
      code: 413,
    });
  });

  it('passes the copy limit through', () => {
    const copy = [{ op: 'copy', from: '/metadata/name', path: '/metadata/namespace' }];
    expect(patched('json', copy, { jsonPatchMaxCopyBytes: 5 })).toMatchObject({ metadata: { namespace: 'web' } });
    expect(refusal('json', copy, { jsonPatchMaxCopyBytes: 4 }).code).toBe(422);
  });
});

describe('applyPatch: strict decoding (fieldValidation)', () => {
  const unknownField = '[{"op":"add","path":"/metadata/labels/x","value":"1","xyz":123}]';
  const duplicateLabel = '{"metadata":{"labels":{"a":"1","a":"2"}}}';

  it('warns under Warn (the default) and applies the patch', () => {
    const warnings: string[] = [];
    expect(patched('json', unknownField, { warnings })).toMatchObject({ metadata: { labels: { x: '1' } } });
    expect(warnings).toEqual(['json patch unknown field "[0].xyz"']);

    const mergeWarnings: string[] = [];
    expect(patched('merge', duplicateLabel, { warnings: mergeWarnings })).toMatchObject({ metadata: { labels: { a: '2' } } });
    expect(mergeWarnings).toEqual(['duplicate field "metadata.labels.a"']);
  });

  it('says nothing under Ignore', () => {
    const warnings: string[] = [];
    patched('json', unknownField, { fieldValidation: 'Ignore', warnings });
    patched('strategic', duplicateLabel, { fieldValidation: 'Ignore', warnings });
    expect(warnings).toEqual([]);
  });

  it('refuses under Strict, showing the patched object as Go encodes it', () => {
    const expectedObject = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { labels: { app: 'web', x: '1' }, name: 'web' },
      spec: { containers: [{ image: 'nginx', name: 'c' }] },
    });
    expect(refusal('json', unknownField, { fieldValidation: 'Strict' })).toEqual(
      invalidPatch(JSON.stringify(expectedObject), 'strict decoding error: json patch unknown field "[0].xyz"'),
    );
  });

  it('refuses a strategic merge patch under Strict, showing the patch as Go prints it', () => {
    expect(refusal('strategic', duplicateLabel, { fieldValidation: 'Strict' })).toEqual(
      invalidPatch('"map[metadata:map[labels:map[a:2]]]"', 'strict decoding error: duplicate field "metadata.labels.a"'),
    );
  });

  it('lists several findings, unknown fields not looked into', () => {
    const warnings: string[] = [];
    patched('json', '[{"op":"test","op":"add","path":"/a","bad":{"x":1,"x":2},"value":{"k":1,"k":2}}]', { warnings });
    expect(warnings).toEqual(['json patch duplicate field "[0].op"', 'json patch unknown field "[0].bad"', 'json patch duplicate field "[0].value.k"']);
  });

  it('lets an operation failure win over strict findings, as upstream checks them after applying', () => {
    expect(refusal('json', '[{"op":"test","path":"/kind","value":"Node","xyz":1}]', { fieldValidation: 'Strict' }).code).toBe(422);
    expect(refusal('json', '[{"op":"test","path":"/kind","value":"Node","xyz":1}]', { fieldValidation: 'Strict' }).message).toBe(
      'the server rejected our request due to an error in our request',
    );
  });
});

describe('applyPatch: what typed decoding drops from a strategic merge patch result', () => {
  it('drops directive keys and null members the merge took as sent', () => {
    const current: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'a', emptyDir: {} }] } };
    const result = applyPatch(
      'strategic',
      current,
      { spec: { volumes: [{ name: 'b', hostPath: { path: '/x', type: null }, $retainKeys: ['name', 'hostPath'] }] } },
      POD,
      registry,
    );
    expect(result).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'b', hostPath: { path: '/x' } }, { name: 'a', emptyDir: {} }] } });
  });
});

describe('patch media types per resource origin', () => {
  it('lets built-in resources take strategic merge patch, and not custom resources', () => {
    expect(supportsStrategicMergePatch('builtin')).toBe(true);
    expect(supportsStrategicMergePatch('custom')).toBe(false);
    expect(acceptedPatchMediaTypes('builtin')).toContain('application/strategic-merge-patch+json');
  });

  it('builds the 415 the apiextensions handler sends', () => {
    expect(unsupportedPatchType('custom').status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
    expect(unsupportedPatchType('builtin').message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    );
  });
});
