import type { KubeObject, ResourceStrategy, StrategyContext } from '../resources/types.js';
import { defaultCustomResourceDefinition } from './defaults.js';
import type { CrdSchemaTools } from './schema-tools.js';
import { asCrd, CLEANUP_FINALIZER, setCondition, storageVersionOf, type CustomResourceDefinition } from './types.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionStatus, validateCustomResourceDefinitionUpdate } from './validation.js';

/** The storage version joins status.storedVersions when a write makes it the storage version. */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = storageVersionOf(crd);
  if (storage === undefined) return;
  const status = (crd.status ??= {});
  const stored = (status.storedVersions ??= []);
  if (!stored.includes(storage)) stored.push(storage);
}

/**
 * The strategy of the CustomResourceDefinition kind (upstream's
 * customresourcedefinition strategy and REST): v1 defaulting, validation,
 * storedVersions bookkeeping, and deletion that waits for the CRD's custom
 * resources to be removed (the cleanup finalizer and Terminating condition).
 */
export function customResourceDefinitionStrategy(tools: CrdSchemaTools): ResourceStrategy {
  return {
    statusFields: ['status'],
    tracksGeneration: true,
    prepareForCreate(object: KubeObject) {
      const crd = asCrd(object);
      // Status belongs to the server's controllers: a client's is dropped.
      crd.status = {};
      defaultCustomResourceDefinition(crd);
      recordStorageVersion(crd);
    },
    prepareForUpdate(object: KubeObject, _old: KubeObject, context: StrategyContext) {
      const crd = asCrd(object);
      defaultCustomResourceDefinition(crd);
      if (context.subresource === '') recordStorageVersion(crd);
    },
    validate(object: KubeObject) {
      return validateCustomResourceDefinition(asCrd(object), tools);
    },
    validateUpdate(object: KubeObject, old: KubeObject, context: StrategyContext) {
      if (context.subresource === 'status') return validateCustomResourceDefinitionStatus(asCrd(object));
      return validateCustomResourceDefinitionUpdate(asCrd(object), asCrd(old), tools);
    },
    // Until its deletion starts, a CRD always has the cleanup finalizer pending: deletion must wait for it.
    pendingFinalizers(object: KubeObject) {
      return object.metadata.deletionTimestamp === undefined ? [CLEANUP_FINALIZER] : [];
    },
    prepareForDelete(object: KubeObject, context: StrategyContext) {
      const finalizers = (object.metadata.finalizers ??= []);
      if (!finalizers.includes(CLEANUP_FINALIZER)) finalizers.push(CLEANUP_FINALIZER);
      setCondition(
        asCrd(object),
        {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionPending',
          message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
        },
        context.now,
      );
    },
  };
}
