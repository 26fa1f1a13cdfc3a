import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl } from '../support/kubectl.js';
import { createEstablishedCrd, CRD_PATH, startCrdTestServer, widgetCrd, type CrdTestServer } from './helpers.js';

type Crd = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A widgets CRD changed by `edit` (which gets the parsed object). */
function crdWith(edit: (crd: Crd) => void): Crd {
  const crd = structuredClone(widgetCrd()) as Crd;
  edit(crd);
  return crd;
}

describe('CustomResourceDefinition validation', () => {
  let t: CrdTestServer;
  beforeAll(async () => {
    t = await startCrdTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  async function causesOf(crd: Crd): Promise<{ message: string; causes: { reason: string; message: string; field: string }[] }> {
    const response = await t.api('POST', CRD_PATH, crd);
    expect(response.status).toBe(422);
    expect(response.body.reason).toBe('Invalid');
    return { message: response.body.message, causes: response.body.details.causes };
  }

  it('requires the name to be <plural>.<group>', async () => {
    const { message, causes } = await causesOf(crdWith((crd) => (crd['metadata'].name = 'gadgets.example.com')));
    expect(message).toBe('CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group');
    expect(causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group', field: 'metadata.name' }]);
  });

  it('checks group, scope and names', async () => {
    const { causes } = await causesOf(
      crdWith((crd) => {
        crd['metadata'].name = 'widgets.example';
        crd['spec'].group = 'example';
        crd['spec'].scope = 'Galactic';
        crd['spec'].names = { plural: 'widgets', kind: 'Widget', listKind: 'Widget', shortNames: ['W!'], categories: ['ok', 'Not_OK'] };
      }),
    );
    expect(causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueInvalid', message: 'Invalid value: "example": should be a domain with at least one dot', field: 'spec.group' },
        { reason: 'FieldValueNotSupported', message: 'Unsupported value: "Galactic": supported values: "Cluster", "Namespaced"', field: 'spec.scope' },
        { reason: 'FieldValueInvalid', message: 'Invalid value: "Widget": kind and listKind may not be the same', field: 'spec.names.listKind' },
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.names.shortNames[0]', message: expect.stringContaining('Invalid value: "W!": a DNS-1035 label must consist of lower case alphanumeric characters') }),
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.names.categories[1]' }),
      ]),
    );
  });

  it('requires exactly one storage version, unique DNS-1035 version names, and a schema per version', async () => {
    const { causes } = await causesOf(
      crdWith((crd) => {
        crd['spec'].versions = [
          { name: 'v1', served: true, storage: true },
          { name: 'v1', served: true, storage: true },
          { name: 'V_2', served: false, storage: false },
        ];
      }),
    );
    const byField = causes.map((cause) => `${cause.field}: ${cause.message.split(':')[0]}`);
    expect(byField).toEqual(
      expect.arrayContaining([
        'spec.versions[0].schema.openAPIV3Schema: Required value',
        'spec.versions[2].schema.openAPIV3Schema: Required value',
        'spec.versions[2].name: Invalid value',
        'spec.versions: Invalid value',
      ]),
    );
    expect(causes.filter((cause) => cause.field === 'spec.versions').map((cause) => cause.message.replace(/^.*: /, ''))).toEqual([
      'must contain unique version names',
      'must have exactly one version marked as storage version',
    ]);
  });

  it('names shared per-version parts at the top, as upstream does (spec.additionalPrinterColumns, spec.subresources)', async () => {
    const { causes } = await causesOf(
      crdWith((crd) => {
        crd['spec'].versions[0].additionalPrinterColumns = [{ name: 'Size', type: 'text', jsonPath: 'spec.size' }];
        crd['spec'].versions[0].subresources = { scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '' } };
      }),
    );
    expect(causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueInvalid', message: 'Invalid value: "text": must be one of boolean,date,integer,number,string', field: 'spec.additionalPrinterColumns[0].type' },
        { reason: 'FieldValueInvalid', message: 'Invalid value: "spec.size": must be a simple json path starting with .', field: 'spec.additionalPrinterColumns[0].JSONPath' },
        { reason: 'FieldValueInvalid', message: 'Invalid value: ".status.replicas": should be a json path under .spec', field: 'spec.subresources.scale.specReplicasPath' },
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.subresources.scale.statusReplicasPath' },
      ]),
    );
  });

  it('names per-version parts by version when versions differ', async () => {
    const schema = widgetCrd()['spec'] as Crd;
    const { causes } = await causesOf(
      crdWith((crd) => {
        crd['spec'].versions = [
          { ...schema['versions'][0], additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: 'bad' }] },
          { ...schema['versions'][0], name: 'v2', storage: false },
        ];
      }),
    );
    expect(causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "bad": must be a simple json path starting with .', field: 'spec.versions[0].additionalPrinterColumns[0].JSONPath' }]);
  });

  it('applies upstream schema rules ($ref, additionalProperties with properties, list types, rule shape, status root)', async () => {
    const { causes } = await causesOf(
      crdWith((crd) => {
        crd['spec'].versions[0].subresources = { status: {} };
        crd['spec'].versions[0].schema.openAPIV3Schema = {
          type: 'object',
          additionalProperties: { type: 'string' },
          properties: {
            spec: {
              type: 'object',
              properties: {
                ref: { $ref: '#/definitions/x' },
                both: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
                list: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { name: { type: 'string' } } } },
                keep: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
              },
              'x-kubernetes-validations': [{ rule: '   ' }],
            },
            metadata: { type: 'object', default: {} },
          },
        };
      }),
    );
    const root = 'spec.validation.openAPIV3Schema';
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: root, message: expect.stringContaining('fields are allowed at the root of the schema if the status subresource is enabled') }),
        { reason: 'FieldValueForbidden', message: 'Forbidden: $ref is not supported', field: `${root}.properties[spec].properties[ref].$ref` },
        { reason: 'FieldValueForbidden', message: 'Forbidden: additionalProperties and properties are mutual exclusive', field: `${root}.properties[spec].properties[both].additionalProperties` },
        { reason: 'FieldValueRequired', message: 'Required value: must not be empty if x-kubernetes-list-type is map', field: `${root}.properties[spec].properties[list].x-kubernetes-list-map-keys` },
        { reason: 'FieldValueInvalid', message: 'Invalid value: false: must be true or undefined', field: `${root}.properties[spec].properties[keep].x-kubernetes-preserve-unknown-fields` },
        { reason: 'FieldValueRequired', message: 'Required value: rule is not specified', field: `${root}.properties[spec].x-kubernetes-validations[0].rule` },
        { reason: 'FieldValueForbidden', message: 'Forbidden: must not be set in top-level metadata', field: `${root}.properties[metadata].default` },
      ]),
    );
  });

  it('checks selectableFields against the schema', async () => {
    const { causes } = await causesOf(
      crdWith((crd) => {
        crd['spec'].versions[0].selectableFields = [{ jsonPath: '.spec.size' }, { jsonPath: '.spec.nope' }, { jsonPath: '.spec' }, { jsonPath: '.spec.size' }];
      }),
    );
    expect(causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field', field: 'spec.selectableFields[1].jsonPath' },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: ".spec": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
        field: 'spec.selectableFields[2].jsonPath',
      },
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: ".spec.size"', field: 'spec.selectableFields[3].jsonPath' },
    ]);
  });

  it('requires API approval for community groups', async () => {
    const crd = crdWith((crd) => {
      crd['metadata'].name = 'widgets.test.k8s.io';
      crd['spec'].group = 'test.k8s.io';
    });
    const { causes } = await causesOf(crd);
    expect(causes).toEqual([
      {
        reason: 'FieldValueRequired',
        message: 'Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
        field: 'metadata.annotations[api-approved.kubernetes.io]',
      },
    ]);
    crd['metadata'].annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' };
    const established = (await createEstablishedCrd(t, crd)) as Crd;
    expect(established['status'].conditions).toContainEqual(
      expect.objectContaining({ type: 'KubernetesAPIApprovalPolicyConformant', status: 'True', reason: 'ApprovedAnnotation', message: 'approved in https://github.com/kubernetes/kubernetes/pull/1' }),
    );
  });

  it('keeps group and plural immutable, and stored versions in spec.versions', async () => {
    const crd = (await createEstablishedCrd(t, crdWith((c) => (c['metadata'].name = 'widgets.example.com')))) as Crd;
    const changed = structuredClone(crd);
    changed['spec'].names.plural = 'gadgets';
    changed['spec'].versions[0].name = 'v2';
    const response = await t.api('PUT', `${CRD_PATH}/widgets.example.com`, changed);
    expect(response.status).toBe(422);
    // On update upstream checks the name rule no more (the name is immutable anyway).
    expect(response.body.details.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueInvalid', message: 'Invalid value: "gadgets": field is immutable', field: 'spec.names.plural' },
        {
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions',
          field: 'status.storedVersions[0]',
        },
      ]),
    );
  });

  it('kubectl shows the validation error', async () => {
    const manifest = JSON.stringify(crdWith((crd) => (crd['metadata'].name = 'wrong.example.com')));
    const result = await kubectl(t.kubeconfig, ['apply', '-f', '-'], manifest);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('The CustomResourceDefinition "wrong.example.com" is invalid: metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group');
  });
});
