import { eventually, startTestApiServer, type TestApiServer } from '../support/api-server.js';

export { eventually, type ApiResponse } from '../support/api-server.js';
/** The CRD tests' server: the shared test API server. */
export type CrdTestServer = TestApiServer;
export const startCrdTestServer = startTestApiServer;

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function conditionOf(crd: any, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return (crd?.status?.conditions ?? []).find((condition: { type: string }) => condition.type === type);
}

/** Creates a CRD and waits until it is Established (failing with the CRD as it is otherwise). */
export async function createEstablishedCrd(t: CrdTestServer, crd: object): Promise<unknown> {
  const created = await t.api('POST', CRD_PATH, crd);
  if (created.status !== 201) throw new Error(`creating the CRD failed: ${created.status} ${JSON.stringify(created.body)}`);
  const name = created.body.metadata.name as string;
  const final = await eventually(
    () => t.api('GET', `${CRD_PATH}/${name}`),
    (response) => conditionOf(response.body, 'Established')?.status === 'True',
  );
  if (conditionOf(final.body, 'Established')?.status !== 'True') throw new Error(`CRD ${name} was not established: ${JSON.stringify(final.body.status)}`);
  return final.body;
}

export { CRD_PATH };

/** A namespaced CRD `widgets.example.com` (kind Widget) with one version and the given extras. */
export function widgetCrd(version: Record<string, unknown> = {}, names: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], categories: ['all'], ...names },
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
                  properties: {
                    size: { type: 'string' },
                    replicas: { type: 'integer', minimum: 0 },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string' }, selector: { type: 'string' } } },
              },
            },
          },
          ...version,
        },
      ],
    },
  };
}
