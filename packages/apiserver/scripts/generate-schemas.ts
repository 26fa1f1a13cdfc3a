/**
 * Builds the schemas of the built-in API types at build time, from the
 * models of @kubernetes/client-node 1.4 (a dependency, not a copy): field
 * names, types and formats from each model's runtime attributeTypeMap,
 * optionality and descriptions from its type declarations. What the models
 * lack comes from lk's own tables in src/schema/tables: which Go package a
 * type belongs to (for upstream's definition names), fields whose Go type is
 * special (Quantity, RawExtension, Time…), and the patch strategies, merge
 * keys, list types and map types of fields.
 *
 * Writes src/schema/generated/builtin-definitions.json. Run by `pnpm build`
 * (and by the test setup when the file is missing):
 *   node --import tsx scripts/generate-schemas.ts
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Schema } from '../src/schema/types.js';
import { BUILTIN_RESOURCES } from '../src/resources/catalog.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..');
const output = join(packageRoot, 'src/schema/generated/builtin-definitions.json');

type FieldFacts = Record<string, Record<string, {
  special?: string;
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
  /** The field's default, where upstream's OpenAPI states one that apply needs (list-map keys). */
  default?: unknown;
}>>;
/** Facts about whole types: `+structType=atomic` types are atomic maps in upstream's OpenAPI. */
type TypeFacts = Record<string, { mapType?: string }>;

const typePackages = JSON.parse(readFileSync(join(packageRoot, 'src/schema/tables/type-packages.json'), 'utf8')) as Record<string, string[]>;
const fieldFacts = JSON.parse(readFileSync(join(packageRoot, 'src/schema/tables/field-facts.json'), 'utf8')) as FieldFacts;
const typeFacts = JSON.parse(readFileSync(join(packageRoot, 'src/schema/tables/type-facts.json'), 'utf8')) as TypeFacts;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const REF = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

/** Definitions whose JSON form is a scalar, written by hand (upstream's own descriptions are longer). */
const SPECIAL_DEFINITIONS: Record<string, Schema> = {
  [`${META}.Time`]: { type: 'string', format: 'date-time', description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.' },
  [`${META}.MicroTime`]: { type: 'string', format: 'date-time', description: 'MicroTime is version of Time with microsecond level precision.' },
  [`${META}.Duration`]: { type: 'string', description: 'Duration is a wrapper around time.Duration which supports correct marshaling to YAML and JSON.' },
  [`${META}.FieldsV1`]: { type: 'object', description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    type: 'string',
    description: 'Quantity is a fixed-point representation of a number, such as 128974848, 129e6, 129M or 123Mi.',
    'x-kubernetes-int-or-string': true,
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    type: 'string',
    format: 'int-or-string',
    description: 'IntOrString is a type that can hold an int32 or a string.',
    'x-kubernetes-int-or-string': true,
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    type: 'object',
    description: 'RawExtension is used to hold extensions in external versions.',
    'x-kubernetes-preserve-unknown-fields': true,
  },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {
    description: 'JSON represents any valid JSON value.',
    'x-kubernetes-preserve-unknown-fields': true,
  },
};

const SPECIAL_NAMES: Record<string, string> = {
  Time: `${META}.Time`,
  MicroTime: `${META}.MicroTime`,
  Duration: `${META}.Duration`,
  FieldsV1: `${META}.FieldsV1`,
  Quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  IntOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  JSON: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
};

/** The order in which packages claim a type name that several define. */
const PACKAGE_PRIORITY = [
  META,
  'io.k8s.api.core.v1',
  'io.k8s.api.apps.v1',
  'io.k8s.api.batch.v1',
  'io.k8s.api.autoscaling.v2',
  'io.k8s.api.autoscaling.v1',
  'io.k8s.api.networking.v1',
  'io.k8s.api.policy.v1',
  'io.k8s.api.rbac.v1',
  'io.k8s.api.storage.v1',
  'io.k8s.api.coordination.v1',
  'io.k8s.api.discovery.v1',
  'io.k8s.api.events.v1',
  'io.k8s.api.scheduling.v1',
  'io.k8s.api.node.v1',
  'io.k8s.api.certificates.v1',
  'io.k8s.api.admissionregistration.v1',
  'io.k8s.api.authentication.v1',
  'io.k8s.api.authorization.v1',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
];

const GROUP_PREFIXES: Record<string, string> = {
  Core: 'io.k8s.api.core.',
  Events: 'io.k8s.api.events.',
  Rbac: 'io.k8s.api.rbac.',
  Discovery: 'io.k8s.api.discovery.',
  Storage: 'io.k8s.api.storage.',
  Authentication: 'io.k8s.api.authentication.',
  Admissionregistration: 'io.k8s.api.admissionregistration.',
  Apiextensions: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.',
};

/** Maps a client-node class name (V1PodSpec, CoreV1Event, RbacV1Subject) to upstream's definition name. */
function definitionName(className: string): string | undefined {
  const match = /^(Core|Events|Rbac|Discovery|Storage|Authentication|Admissionregistration|Apiextensions|Flowcontrol|Resource|Apiregistration)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(className);
  if (match === null) return undefined;
  const [, groupPrefix, versionPart, typeName] = match;
  const version = versionPart!.toLowerCase();
  if (/alpha|beta/.test(version)) return undefined;
  const candidates = (typePackages[typeName!] ?? []).filter((pkg) => pkg.endsWith(`.${version}`));
  const scoped = groupPrefix === undefined ? candidates : candidates.filter((pkg) => pkg.startsWith(GROUP_PREFIXES[groupPrefix] ?? '\u0000'));
  const chosen = PACKAGE_PRIORITY.find((pkg) => scoped.includes(pkg));
  return chosen === undefined ? undefined : `${chosen}.${typeName}`;
}

interface Attribute {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

interface Declared {
  readonly description?: string;
  readonly properties: Map<string, { optional: boolean; description?: string }>;
}

function jsDocText(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs.map((doc) => (typeof doc.comment === 'string' ? doc.comment : ts.getTextOfJSDocComment(doc.comment) ?? '')).join('\n').trim();
  return text === '' ? undefined : text.replace(/\\'/g, "'").replace(/\\"/g, '"');
}

/** Optionality and descriptions from a model's .d.ts. */
function readDeclaration(file: string, className: string): Declared {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const declared: { description?: string; properties: Map<string, { optional: boolean; description?: string }> } = { properties: new Map() };
  ts.forEachChild(source, (node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== className) return;
    const description = jsDocText(node);
    if (description !== undefined) declared.description = description;
    for (const member of node.members) {
      if (!ts.isPropertyDeclaration(member) || member.name === undefined) continue;
      if (member.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword)) continue;
      const name = ts.isStringLiteral(member.name) ? member.name.text : member.name.getText(source);
      const propertyDescription = jsDocText(member);
      declared.properties.set(name, propertyDescription === undefined ? { optional: member.questionToken !== undefined } : { optional: member.questionToken !== undefined, description: propertyDescription });
    }
  });
  return declared;
}

function schemaOfType(type: string, format: string, special: string | undefined, classToDefinition: Map<string, string>): Schema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    const item = special?.startsWith('list:') ? special.slice(5) : undefined;
    return { type: 'array', items: schemaOfType(array[1]!, format, item, classToDefinition) };
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    const value = special?.startsWith('map:') ? special.slice(4) : undefined;
    if (value === 'bytes') return { type: 'object', additionalProperties: { type: 'string', format: 'byte' } };
    return { type: 'object', additionalProperties: schemaOfType(map[1]!, '', value, classToDefinition) };
  }
  if (special !== undefined && SPECIAL_NAMES[special] !== undefined) return REF(SPECIAL_NAMES[special]!);
  switch (type) {
    case 'string':
      if (special === 'bytes' || format === 'byte') return { type: 'string', format: 'byte' };
      return { type: 'string' };
    case 'number':
      if (format === 'double' || format === 'float') return { type: 'number', format: 'double' };
      return format === '' ? { type: 'integer' } : { type: 'integer', format };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return REF(format === 'date-time-micro' ? SPECIAL_NAMES['MicroTime']! : SPECIAL_NAMES['Time']!);
    case 'IntOrString':
      return REF(SPECIAL_NAMES['IntOrString']!);
    case 'any':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    default: {
      const definition = classToDefinition.get(type);
      if (definition === undefined) throw new NewerThanServed(type);
      return REF(definition);
    }
  }
}

/**
 * client-node 1.4 models Kubernetes 1.34; a field whose type did not exist in
 * 1.32 (whose API lk serves) is left out of the schema.
 */
class NewerThanServed extends Error {
  constructor(readonly type: string) {
    super(`${type} is newer than the served API`);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@kubernetes/client-node');
  const modelsDir = join(dirname(entry), 'gen', 'models');
  if (!existsSync(modelsDir)) throw new Error(`@kubernetes/client-node's models are not at ${modelsDir}: its layout changed; update the generator`);
  const clientNode = (await import('@kubernetes/client-node')) as unknown as Record<string, unknown>;

  const classToDefinition = new Map<string, string>();
  const claimed = new Set<string>();
  // Group-prefixed classes (CoreV1ResourceClaim) name a type exactly; an
  // unprefixed class of the same name belongs to another group (one newer
  // than 1.32, or not served) and must not take the definition.
  const classNames = readdirSync(modelsDir)
    .filter((file) => file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.d.ts'.length))
    .sort((a, b) => Number(/^V\d/.test(a)) - Number(/^V\d/.test(b)) || a.localeCompare(b));
  for (const className of classNames) {
    const definition = definitionName(className);
    if (definition === undefined || claimed.has(definition)) continue;
    if ((clientNode[className] as { attributeTypeMap?: unknown } | undefined)?.attributeTypeMap === undefined) continue;
    classToDefinition.set(className, definition);
    claimed.add(definition);
  }
  if (classToDefinition.size < 400) throw new Error(`only ${classToDefinition.size} client-node models mapped to definitions; something changed`);

  const definitions: Record<string, Schema> = { ...SPECIAL_DEFINITIONS };
  const skipped: string[] = [];
  for (const [className, definition] of classToDefinition) {
    const model = clientNode[className] as { attributeTypeMap?: Attribute[] } | undefined;
    if (model?.attributeTypeMap === undefined) throw new Error(`client-node exports no attributeTypeMap for ${className}`);
    const declared = readDeclaration(join(modelsDir, `${className}.d.ts`), className);
    const facts = fieldFacts[definition] ?? {};
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const attribute of model.attributeTypeMap) {
      const fact = facts[attribute.baseName];
      let property: Schema;
      try {
        property = schemaOfType(attribute.type, attribute.format, fact?.special, classToDefinition);
      } catch (error) {
        if (!(error instanceof NewerThanServed)) throw error;
        skipped.push(`${definition}.${attribute.baseName}`);
        continue;
      }
      const declaredProperty = declared.properties.get(attribute.name);
      const extensions: Record<string, unknown> = {};
      if (declaredProperty?.description !== undefined) extensions['description'] = declaredProperty.description;
      if (fact?.patchStrategy !== undefined) extensions['x-kubernetes-patch-strategy'] = fact.patchStrategy;
      if (fact?.patchMergeKey !== undefined) extensions['x-kubernetes-patch-merge-key'] = fact.patchMergeKey;
      if (fact?.listType !== undefined) extensions['x-kubernetes-list-type'] = fact.listType;
      if (fact?.listMapKeys !== undefined) extensions['x-kubernetes-list-map-keys'] = fact.listMapKeys;
      if (fact?.mapType !== undefined) extensions['x-kubernetes-map-type'] = fact.mapType;
      if (fact?.default !== undefined) extensions['default'] = fact.default;
      // Beside a $ref, as OpenAPI v2 writes them: the registry keeps them when it resolves the reference.
      if (Object.keys(extensions).length > 0) property = { ...property, ...extensions };
      properties[attribute.baseName] = property;
      if (declaredProperty !== undefined && !declaredProperty.optional) required.push(attribute.baseName);
    }
    const schema: Record<string, unknown> = { type: 'object' };
    if (declared.description !== undefined) schema['description'] = declared.description;
    schema['properties'] = properties;
    if (required.length > 0) schema['required'] = required.sort();
    if (typeFacts[definition]?.mapType !== undefined) schema['x-kubernetes-map-type'] = typeFacts[definition].mapType;
    definitions[definition] = schema as Schema;
  }

  for (const resource of BUILTIN_RESOURCES) {
    const schema = definitions[resource.schemaName] as Record<string, unknown> | undefined;
    if (schema === undefined) throw new Error(`no schema for ${resource.kind} (${resource.schemaName})`);
    schema['x-kubernetes-group-version-kind'] = [{ group: resource.group, version: resource.version, kind: resource.kind }];
    const list = definitions[`${resource.schemaName}List`] as Record<string, unknown> | undefined;
    if (list !== undefined) list['x-kubernetes-group-version-kind'] = [{ group: resource.group, version: resource.version, kind: resource.listKind }];
  }
  // Meta kinds every group uses.
  for (const kind of ['DeleteOptions', 'Status', 'WatchEvent']) {
    const schema = definitions[`${META}.${kind}`] as Record<string, unknown> | undefined;
    if (schema !== undefined) schema['x-kubernetes-group-version-kind'] = [{ group: '', version: 'v1', kind }];
  }

  // Sorted keys keep the output identical from run to run.
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((name) => [name, definitions[name]]));
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify({ definitions: sorted })}\n`);
  process.stderr.write(
    `generate-schemas: ${Object.keys(sorted).length} definitions, ${skipped.length} fields newer than Kubernetes 1.32 left out, ${Math.round(performance.now() - started)} ms\n`,
  );
}

await main();
