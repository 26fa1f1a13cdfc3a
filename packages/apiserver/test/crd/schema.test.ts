import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubectl } from '../support/kubectl.js';
import { createEstablishedCrd, CRD_PATH, startCrdTestServer, type CrdTestServer } from './helpers.js';

const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';

/** A widgets CRD whose schema exercises defaults, pruning, Kubernetes extensions and CEL rules. */
function schemaCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  'x-kubernetes-validations': [
                    { rule: 'self.replicas <= 10', message: 'at most ten replicas' },
                    { rule: "!has(self.size) || self.size != 'forbidden'" },
                  ],
                  properties: {
                    size: { type: 'string', default: 'medium', enum: ['small', 'medium', 'large', 'forbidden'] },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    port: { 'x-kubernetes-int-or-string': true },
                    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

const widget = (spec: Record<string, unknown>, name = 'w'): Record<string, unknown> => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec });

describe('custom resources against their schema', () => {
  let t: CrdTestServer;
  beforeEach(async () => {
    t = await startCrdTestServer();
    await createEstablishedCrd(t, schemaCrd());
  });
  afterEach(async () => {
    await t.close();
  });

  it('applies defaults on write', async () => {
    const created = await t.api('POST', WIDGETS, widget({}));
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ size: 'medium', replicas: 1 });
  });

  it('applies defaults on read, to objects stored before the default existed', async () => {
    await t.api('POST', WIDGETS, widget({ size: 'small', replicas: 2 }));
    const crd = await t.api('GET', `${CRD_PATH}/widgets.example.com`);
    crd.body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.color = { type: 'string', default: 'blue' };
    expect((await t.api('PUT', `${CRD_PATH}/widgets.example.com`, crd.body)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const read = await t.api('GET', `${WIDGETS}/w`);
    expect(read.body.spec).toMatchObject({ size: 'small', replicas: 2, color: 'blue' });
  });

  it('prunes unknown fields: warnings by default and under Warn, an error under Strict, silence under Ignore', async () => {
    const byDefault = await t.api('POST', WIDGETS, widget({ size: 'small', extra: 1, free: { anything: { goes: true } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'x', junk: 1 } } }, 'a'));
    expect(byDefault.status).toBe(201);
    expect(byDefault.body.spec.extra).toBeUndefined();
    expect(byDefault.body.spec.free).toEqual({ anything: { goes: true } });
    expect(byDefault.body.spec.template).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'x' } });
    expect(byDefault.headers.get('warning')).toContain('unknown field \\"spec.extra\\"');
    expect(byDefault.headers.get('warning')).toContain('unknown field \\"spec.template.spec.junk\\"');

    const strict = await t.api('POST', `${WIDGETS}?fieldValidation=Strict`, widget({ extra: 1 }, 'b'));
    expect(strict.status).toBe(400);
    expect(strict.body).toMatchObject({ reason: 'BadRequest', message: 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.extra"' });

    const ignore = await t.api('POST', `${WIDGETS}?fieldValidation=Ignore`, widget({ extra: 1 }, 'c'));
    expect(ignore.status).toBe(201);
    expect(ignore.headers.get('warning')).toBeNull();
    expect(ignore.body.spec.extra).toBeUndefined();
  });

  it('accepts int-or-string values and refuses other types with 422 causes', async () => {
    expect((await t.api('POST', WIDGETS, widget({ port: 8080 }, 'n'))).status).toBe(201);
    expect((await t.api('POST', WIDGETS, widget({ port: 'http' }, 's'))).status).toBe(201);
    const refused = await t.api('POST', WIDGETS, widget({ size: 5, replicas: -1 }, 'bad'));
    expect(refused.status).toBe(422);
    expect(refused.body.details.causes).toEqual([
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "integer": spec.size in body must be of type string: "integer"', field: 'spec.size' },
      { reason: 'FieldValueNotSupported', message: 'Unsupported value: 5: supported values: "small", "medium", "large", "forbidden"', field: 'spec.size' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0', field: 'spec.replicas' },
      // A type error blocks the CEL rules, as upstream says.
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        field: '<nil>',
      },
    ]);
    expect(refused.body.message).toMatch(/^Widget\.example\.com "bad" is invalid: \[spec\.size: Invalid value: "integer": spec\.size in body must be of type string: "integer", /);
  });

  it('reports CEL rule failures with the rule message (or the rule itself)', async () => {
    const tooMany = await t.api('POST', WIDGETS, widget({ replicas: 11 }));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', message: 'Invalid value: "object": at most ten replicas', field: 'spec' });
    const forbiddenSize = await t.api('POST', WIDGETS, widget({ size: 'forbidden' }));
    expect(forbiddenSize.body.details.causes).toContainEqual({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "object": failed rule: !has(self.size) || self.size != 'forbidden'`,
      field: 'spec',
    });
    const viaKubectl = await kubectl(t.kubeconfig, ['apply', '-f', '-'], JSON.stringify(widget({ replicas: 12 }, 'k')));
    expect(viaKubectl.code).not.toBe(0);
    expect(viaKubectl.stderr).toContain('at most ten replicas');
  });

  it('refuses CRDs with non-structural schemas or rules that do not compile', async () => {
    const crd = schemaCrd() as { metadata: { name: string }; spec: { names: Record<string, string>; versions: { schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }[] } };
    crd.metadata.name = 'gadgets.example.com';
    crd.spec.names = { plural: 'gadgets', kind: 'Gadget' };
    crd.spec.versions[0]!.schema.openAPIV3Schema.properties = {
      spec: { type: 'object', properties: { untyped: { description: 'no type' } }, 'x-kubernetes-validations': [{ rule: 'self.nope == 1' }] },
    };
    const refused = await t.api('POST', CRD_PATH, crd);
    expect(refused.status).toBe(422);
    expect(refused.body.details.causes).toContainEqual(
      expect.objectContaining({ field: 'spec.validation.openAPIV3Schema.properties[spec].properties[untyped].type', reason: 'FieldValueRequired' }),
    );
    (crd.spec.versions[0]!.schema.openAPIV3Schema.properties['spec'] as { properties: Record<string, unknown> }).properties = { untyped: { type: 'string' } };
    const badRule = await t.api('POST', CRD_PATH, crd);
    expect(badRule.status).toBe(422);
    expect(badRule.body.details.causes).toContainEqual(
      expect.objectContaining({ field: 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule', message: expect.stringContaining('compilation failed') }),
    );
  });
});
