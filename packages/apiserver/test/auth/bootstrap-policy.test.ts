/**
 * RBAC's bootstrap policy: the default roles and bindings exist after a
 * start, an administrator's removal of default permissions is undone at the
 * next start (extra permissions stay), autoupdate=false opts out, and a
 * start that finds everything in place writes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApiServer } from '../support/api-server.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-rbac-bootstrap-'));
const endpoint = `sqlite://${join(dir, 'state.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('RBAC bootstrap policy', () => {
  it('creates upstream’s default roles and bindings, labelled and marked for auto-update', async () => {
    const server = await startTestApiServer(endpoint);
    try {
      const admin = await server.api('GET', `${RBAC}/clusterroles/cluster-admin`);
      expect(admin.body.rules).toEqual([
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ]);
      expect(admin.body.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
      expect(admin.body.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
      const view = await server.api('GET', `${RBAC}/clusterroles/view`);
      expect(view.body.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
      expect(view.body.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
      const publicInfo = await server.api('GET', `${RBAC}/clusterrolebindings/system:public-info-viewer`);
      expect(publicInfo.body.subjects).toEqual([
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' },
      ]);
      const discovery = await server.api('GET', `${RBAC}/clusterrolebindings/system:discovery`);
      expect(discovery.body.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }]);
      const gc = await server.api('GET', `${RBAC}/clusterrolebindings/system:controller:generic-garbage-collector`);
      expect(gc.body.subjects).toEqual([{ kind: 'ServiceAccount', name: 'generic-garbage-collector', namespace: 'kube-system' }]);
      const reader = await server.api('GET', `${RBAC}/namespaces/kube-system/roles/extension-apiserver-authentication-reader`);
      expect(reader.body.rules).toEqual([{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['extension-apiserver-authentication'] }]);
      const names = (await server.api('GET', `${RBAC}/clusterroles`)).body.items.map((item: { metadata: { name: string } }) => item.metadata.name);
      for (const name of ['admin', 'edit', 'view', 'system:basic-user', 'system:node', 'system:kube-scheduler', 'system:certificates.k8s.io:kube-apiserver-client-approver', 'system:controller:namespace-controller']) {
        expect(names).toContain(name);
      }

      // An administrator trims a default role and adds to it; another opts a role out.
      const basic = await server.api('GET', `${RBAC}/clusterroles/system:basic-user`);
      const trimmed = await server.api('PUT', `${RBAC}/clusterroles/system:basic-user`, {
        ...basic.body,
        rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }],
      });
      expect(trimmed.status).toBe(200);
      const monitoring = await server.api('GET', `${RBAC}/clusterroles/system:monitoring`);
      monitoring.body.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'] = 'false';
      expect((await server.api('PUT', `${RBAC}/clusterroles/system:monitoring`, { ...monitoring.body, rules: [] })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('restores missing default permissions at the next start, keeps extra ones, leaves opted-out roles, and rewrites nothing else', async () => {
    const server = await startTestApiServer(endpoint);
    try {
      const basic = await server.api('GET', `${RBAC}/clusterroles/system:basic-user`);
      expect(basic.body.rules).toContainEqual({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] });
      expect(basic.body.rules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] });
      expect(basic.body.rules).toContainEqual({ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] });
      expect((await server.api('GET', `${RBAC}/clusterroles/system:monitoring`)).body.rules).toEqual([]);
      const versions = new Map<string, string>(
        (await server.api('GET', `${RBAC}/clusterroles`)).body.items.map((item: { metadata: { name: string; resourceVersion: string } }) => [item.metadata.name, item.metadata.resourceVersion]),
      );
      await server.close();
      const again = await startTestApiServer(endpoint);
      try {
        const after = (await again.api('GET', `${RBAC}/clusterroles`)).body.items as { metadata: { name: string; resourceVersion: string } }[];
        // Only the aggregated roles may move (the in-process aggregation controller is not part of this server).
        for (const item of after) expect(item.metadata.resourceVersion, item.metadata.name).toBe(versions.get(item.metadata.name));
      } finally {
        await again.close();
      }
    } finally {
      await server.close().catch(() => undefined);
    }
  });
});
