export { ApiClient, ApiRequestError, type ApiClientOptions, type ApiList, type ApiObject, type ReadOptions, type WatchEvent } from './client/api-client.js';
export { Discovery, collectionPath, type DiscoveredResource } from './client/discovery.js';
export { WorkQueue } from './runtime/work-queue.js';
export { Informer, type InformerEvent, type InformerOptions } from './runtime/informer.js';
export { Controller, withInformers, type ControllerOptions, type Reconciler, type ReconcileResult, type RunningController } from './runtime/controller.js';
export { NamespaceReconciler, namespaceController } from './namespace/namespace-controller.js';
export { GarbageCollector, GarbageCollectorReconciler, garbageCollector, type GarbageCollectorOptions } from './garbage-collector/garbage-collector.js';
export { ObjectGraph, type GraphNode, type OwnerReference } from './garbage-collector/object-graph.js';
export { ClusterRoleAggregationReconciler, clusterRoleAggregationController, selectorMatches } from './clusterrole-aggregation/clusterrole-aggregation.js';
