import { invalid, type FieldError } from '../errors/status.js';

export interface ListOptionsToValidate {
  readonly watch: boolean;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
  readonly continue?: string;
  readonly sendInitialEvents?: boolean;
}

const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
const notSupported = (value: string, supported: readonly string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field: 'resourceVersionMatch',
  value,
  hasValue: true,
  detail: `supported values: ${supported.map((entry) => JSON.stringify(entry)).join(', ')}`,
});

/**
 * apimachinery's ValidateListOptions: which combinations of resourceVersion,
 * resourceVersionMatch, continue and sendInitialEvents a list or a watch
 * accepts (the WatchList feature is on, as in 1.32). Violations are a 422
 * for `ListOptions.meta.k8s.io ""`, as upstream answers.
 */
export function validateListOptions(options: ListOptionsToValidate): void {
  const errors = options.watch ? watchErrors(options) : listErrors(options);
  if (errors.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', errors);
}

function listErrors(options: ListOptionsToValidate): FieldError[] {
  const errors: FieldError[] = [];
  const match = options.resourceVersionMatch ?? '';
  if (match !== '') {
    if ((options.resourceVersion ?? '') === '') errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if ((options.continue ?? '') !== '') errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errors.push(notSupported(match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && options.resourceVersion === '0') errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (options.sendInitialEvents !== undefined) errors.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errors;
}

function watchErrors(options: ListOptionsToValidate): FieldError[] {
  const errors: FieldError[] = [];
  const match = options.resourceVersionMatch ?? '';
  if (options.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errors.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match !== '') {
    if (options.sendInitialEvents === undefined) errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errors.push(notSupported(match, ['NotOlderThan']));
    if ((options.continue ?? '') !== '') errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errors;
}
