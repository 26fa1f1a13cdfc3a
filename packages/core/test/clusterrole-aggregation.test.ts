/**
 * The clusterrole-aggregation controller fills admin, edit and view from
 * the roles labelled to aggregate into them, and follows label changes, as
 * upstream's does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type LkServer } from '@lk/core';

let server: LkServer;
beforeAll(async () => {
  server = await createTestServer();
});
afterAll(async () => {
  await server.close();
});

const ROLES = '/apis/rbac.authorization.k8s.io/v1/clusterroles';
type Rule = { verbs: string[]; apiGroups?: string[]; resources?: string[] };

async function rulesOf(name: string): Promise<Rule[]> {
  const role = (await (await server.fetch(`${ROLES}/${name}`)).json()) as { rules?: Rule[] };
  return role.rules ?? [];
}

async function until(name: string, done: (rules: Rule[]) => boolean): Promise<Rule[]> {
  const deadline = Date.now() + 10_000;
  let rules = await rulesOf(name);
  while (!done(rules) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    rules = await rulesOf(name);
  }
  return rules;
}

const grants = (rules: Rule[], group: string, resource: string, verb: string): boolean =>
  rules.some((rule) => rule.apiGroups?.includes(group) && rule.resources?.includes(resource) && rule.verbs.includes(verb));

describe('clusterrole aggregation', () => {
  it('fills view, edit and admin from the default aggregate-to roles, each including the one below', async () => {
    const view = await until('view', (rules) => rules.length > 0);
    expect(grants(view, '', 'pods', 'list')).toBe(true);
    expect(grants(view, '', 'secrets', 'get')).toBe(false);
    const edit = await until('edit', (rules) => grants(rules, '', 'pods', 'list'));
    expect(grants(edit, '', 'secrets', 'get')).toBe(true);
    expect(grants(edit, 'rbac.authorization.k8s.io', 'rolebindings', 'create')).toBe(false);
    const admin = await until('admin', (rules) => grants(rules, '', 'pods', 'list'));
    expect(grants(admin, 'rbac.authorization.k8s.io', 'rolebindings', 'create')).toBe(true);
    expect(grants(admin, '', 'secrets', 'delete')).toBe(true);
  });

  it('adds a labelled role’s rules to view (and through it edit and admin), and takes them away with the label', async () => {
    const created = await server.fetch(ROLES, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
        rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
      }),
    });
    expect(created.status).toBe(201);
    expect(grants(await until('view', (rules) => grants(rules, 'example.com', 'widgets', 'list')), 'example.com', 'widgets', 'list')).toBe(true);
    expect(grants(await until('admin', (rules) => grants(rules, 'example.com', 'widgets', 'list')), 'example.com', 'widgets', 'list')).toBe(true);

    const unlabelled = await server.fetch(`${ROLES}/widgets-view`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': null } } }),
    });
    expect(unlabelled.status).toBe(200);
    expect(grants(await until('admin', (rules) => !grants(rules, 'example.com', 'widgets', 'list')), 'example.com', 'widgets', 'list')).toBe(false);
    expect(grants(await rulesOf('view'), 'example.com', 'widgets', 'list')).toBe(false);
  });
});
