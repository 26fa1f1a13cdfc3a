import { deepEqual } from '../registry/object-diff.js';
import { findCondition, type CrdCondition, type CrdNames, type CustomResourceDefinition } from './types.js';

export interface NamingDecision {
  readonly acceptedNames: CrdNames;
  readonly namesAccepted: CrdCondition;
  readonly established: CrdCondition;
}

/**
 * Which of a CRD's requested names it may have (upstream's naming condition
 * controller): a name is accepted when it is the one already accepted or no
 * other CRD of the group has accepted it. Conflicts keep the old accepted name
 * and turn NamesAccepted False with upstream's reason and message.
 */
export function decideNames(crd: CustomResourceDefinition, all: readonly CustomResourceDefinition[]): NamingDecision {
  const group = crd.spec?.group ?? '';
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of all) {
    if (other.spec?.group !== group) continue;
    // A CRD's own accepted names never conflict with its requests (equalToAcceptedOrFresh checks the accepted name first).
    const accepted = other.status?.acceptedNames ?? {};
    for (const name of [accepted.plural, accepted.singular, ...(accepted.shortNames ?? [])]) if (name) resources.add(name);
    for (const name of [accepted.kind, accepted.listKind]) if (name) kinds.add(name);
  }

  const requested = crd.spec?.names ?? {};
  const accepted = crd.status?.acceptedNames ?? {};
  const names: CrdNames = { ...accepted };
  let condition: CrdCondition = { type: 'NamesAccepted', status: 'Unknown' };
  const conflict = (reason: string, message: string): void => {
    condition = { type: 'NamesAccepted', status: 'False', reason, message };
  };
  const fresh = (wanted: string | undefined, current: string | undefined, used: Set<string>): string | undefined =>
    wanted === current || wanted === undefined || !used.has(wanted) ? undefined : `"${wanted}" is already in use`;

  const pluralProblem = fresh(requested.plural, accepted.plural, resources);
  if (pluralProblem !== undefined) conflict('PluralConflict', pluralProblem);
  else names.plural = requested.plural;
  const singularProblem = fresh(requested.singular, accepted.singular, resources);
  if (singularProblem !== undefined) conflict('SingularConflict', singularProblem);
  else names.singular = requested.singular;
  if (!deepEqual(requested.shortNames, accepted.shortNames)) {
    const existing = new Set(accepted.shortNames ?? []);
    const problems = (requested.shortNames ?? []).filter((name) => !existing.has(name)).map((name) => fresh(name, '', resources)).filter((problem) => problem !== undefined);
    if (problems.length > 0) conflict('ShortNamesConflict', problems.length === 1 ? problems[0]! : `[${problems.join(', ')}]`);
    else names.shortNames = requested.shortNames;
  }
  const kindProblem = fresh(requested.kind, accepted.kind, kinds);
  if (kindProblem !== undefined) conflict('KindConflict', kindProblem);
  else names.kind = requested.kind;
  const listKindProblem = fresh(requested.listKind, accepted.listKind, kinds);
  if (listKindProblem !== undefined) conflict('ListKindConflict', listKindProblem);
  else names.listKind = requested.listKind;
  names.categories = requested.categories;
  for (const key of Object.keys(names) as (keyof CrdNames)[]) if (names[key] === undefined) delete names[key];

  if (condition.status === 'Unknown') condition = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };

  let established: CrdCondition = findCondition(crd, 'Established') ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  if (established.status !== 'True' && condition.status === 'True') {
    established = { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
  }
  return { acceptedNames: names, namesAccepted: condition, established };
}
