/**
 * Table columns of apps/v1 and batch/v1 kinds and the autoscaler, as
 * upstream's printers compute them.
 */
import type { KubeObject, TableConvertor } from '../resources/types.js';
import { age, humanDuration } from '../table/human-duration.js';
import { ageCell, columns } from '../table/table.js';
import { column, containersAndImages, get, intOrStringText, list, metaName, num, selectorText, str } from './shared.js';

const CONTAINERS = column('Containers', 'Names of each container in the template.', 1);
const IMAGES = column('Images', 'Images referenced by each container in the template.', 1);
const SELECTOR = column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1);

function templateColumns(object: KubeObject): [string, string] {
  return containersAndImages(get(object, 'spec', 'template', 'spec'));
}

export const deploymentTable: TableConvertor = {
  columns: [
    columns.name,
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    columns.age,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(object, now) {
    const [containers, images] = templateColumns(object);
    return [
      metaName(object),
      `${num(get(object, 'status', 'readyReplicas'))}/${num(get(object, 'spec', 'replicas'))}`,
      num(get(object, 'status', 'updatedReplicas')),
      num(get(object, 'status', 'availableReplicas')),
      ageCell(object, now),
      containers,
      images,
      selectorText(get(object, 'spec', 'selector')),
    ];
  },
};

export const replicaSetTable: TableConvertor = {
  columns: [
    columns.name,
    column('Desired', 'Replicas is the number of desired replicas.'),
    column('Current', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'The number of ready replicas for this replica set.'),
    columns.age,
    CONTAINERS,
    IMAGES,
    column('Selector', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  cells(object, now) {
    const [containers, images] = templateColumns(object);
    return [
      metaName(object),
      num(get(object, 'spec', 'replicas')),
      num(get(object, 'status', 'replicas')),
      num(get(object, 'status', 'readyReplicas')),
      ageCell(object, now),
      containers,
      images,
      selectorText(get(object, 'spec', 'selector')),
    ];
  },
};

export const statefulSetTable: TableConvertor = {
  columns: [columns.name, column('Ready', 'Number of the pod with ready state'), columns.age, CONTAINERS, IMAGES],
  cells(object, now) {
    const [containers, images] = templateColumns(object);
    return [metaName(object), `${num(get(object, 'status', 'readyReplicas'))}/${num(get(object, 'spec', 'replicas'))}`, ageCell(object, now), containers, images];
  },
};

export const daemonSetTable: TableConvertor = {
  columns: [
    columns.name,
    column('Desired', 'The total number of nodes that should be running the daemon pod.'),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    columns.age,
    CONTAINERS,
    IMAGES,
    column('Selector', 'A label query over pods that are managed by the daemon set.', 1),
  ],
  cells(object, now) {
    const [containers, images] = templateColumns(object);
    const nodeSelector = get(object, 'spec', 'template', 'spec', 'nodeSelector') as Record<string, string> | undefined;
    const nodeSelectorText = Object.keys(nodeSelector ?? {})
      .sort()
      .map((key) => `${key}=${nodeSelector![key]}`)
      .join(',');
    return [
      metaName(object),
      num(get(object, 'status', 'desiredNumberScheduled')),
      num(get(object, 'status', 'currentNumberScheduled')),
      num(get(object, 'status', 'numberReady')),
      num(get(object, 'status', 'updatedNumberScheduled')),
      num(get(object, 'status', 'numberAvailable')),
      nodeSelectorText === '' ? '<none>' : nodeSelectorText,
      ageCell(object, now),
      containers,
      images,
      selectorText(get(object, 'spec', 'selector')),
    ];
  },
};

export const controllerRevisionTable: TableConvertor = {
  columns: [columns.name, column('Controller', 'Controller of the object'), column('Revision', 'Revision is the revision number'), columns.age],
  cells(object, now) {
    const owner = (object.metadata.ownerReferences ?? []).find((reference) => reference.controller === true);
    const controller = owner === undefined ? '<none>' : `${owner.kind.toLowerCase()}.${owner.apiVersion.split('/')[0]}/${owner.name}`;
    return [metaName(object), controller, num(get(object, 'revision')), ageCell(object, now)];
  },
};

function jobStatus(job: KubeObject): string {
  const conditions = list(get(job, 'status', 'conditions'));
  const isTrue = (type: string): boolean => conditions.some((condition) => condition['type'] === type && condition['status'] === 'True');
  if (isTrue('Complete')) return 'Complete';
  if (isTrue('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp !== undefined) return 'Terminating';
  if (isTrue('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (isTrue('FailureTarget')) return 'FailureTarget';
  if (isTrue('Suspended')) return 'Suspended';
  return 'Running';
}

export const jobTable: TableConvertor = {
  columns: [
    columns.name,
    column('Status', 'Status of the job.'),
    column('Completions', 'The completion status of the job.'),
    column('Duration', 'Time required to complete the job.'),
    columns.age,
    CONTAINERS,
    IMAGES,
    column('Selector', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(job, now) {
    const [containers, images] = templateColumns(job);
    const completions = get(job, 'spec', 'completions');
    const succeeded = num(get(job, 'status', 'succeeded'));
    let completionsText: string;
    if (typeof completions === 'number') completionsText = `${succeeded}/${completions}`;
    else {
      const parallelism = num(get(job, 'spec', 'parallelism'));
      completionsText = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = str(get(job, 'status', 'startTime'));
    const end = str(get(job, 'status', 'completionTime'));
    const duration = start === '' ? '' : end === '' ? humanDuration(now.getTime() - Date.parse(start)) : humanDuration(Date.parse(end) - Date.parse(start));
    return [metaName(job), jobStatus(job), completionsText, duration, ageCell(job, now), containers, images, selectorText(get(job, 'spec', 'selector'))];
  },
};

export const cronJobTable: TableConvertor = {
  columns: [
    columns.name,
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'The time zone name for the given schedule.'),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions.'),
    column('Active', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    columns.age,
    CONTAINERS,
    IMAGES,
    column('Selector', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(cronJob, now) {
    const [containers, images] = containersAndImages(get(cronJob, 'spec', 'jobTemplate', 'spec', 'template', 'spec'));
    const last = str(get(cronJob, 'status', 'lastScheduleTime'));
    return [
      metaName(cronJob),
      str(get(cronJob, 'spec', 'schedule')),
      str(get(cronJob, 'spec', 'timeZone'), '<none>'),
      String(get(cronJob, 'spec', 'suspend') === true),
      list(get(cronJob, 'status', 'active')).length,
      last === '' ? '<none>' : age(last, now),
      ageCell(cronJob, now),
      containers,
      images,
      selectorText(get(cronJob, 'spec', 'jobTemplate', 'spec', 'selector')),
    ];
  },
};

export const horizontalPodAutoscalerTable: TableConvertor = {
  columns: [
    columns.name,
    column('Reference', 'Reference to the scaled object.'),
    column('Targets', 'Current and target values of the metrics the autoscaler follows.'),
    column('MinPods', 'Lower limit for the number of pods that can be set by the autoscaler, default 1.'),
    column('MaxPods', 'Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.'),
    column('Replicas', 'Current number of replicas of pods managed by this autoscaler.'),
    columns.age,
  ],
  cells(hpa, now) {
    const target = get(hpa, 'spec', 'scaleTargetRef');
    const metrics = list(get(hpa, 'spec', 'metrics'));
    const targets =
      metrics.length === 0
        ? '<none>'
        : metrics
            .map((metric) => {
              const resource = get(metric, 'resource');
              const utilization = get(resource, 'target', 'averageUtilization');
              return typeof utilization === 'number' ? `${str(get(resource, 'name'))}: <unknown>/${utilization}%` : '<unknown>/<unknown>';
            })
            .join(', ');
    return [
      metaName(hpa),
      `${str(get(target, 'kind'))}/${str(get(target, 'name'))}`,
      targets,
      intOrStringText(get(hpa, 'spec', 'minReplicas'), '<unset>'),
      num(get(hpa, 'spec', 'maxReplicas')),
      num(get(hpa, 'status', 'currentReplicas')),
      ageCell(hpa, now),
    ];
  },
};

export const podDisruptionBudgetTable: TableConvertor = {
  columns: [
    columns.name,
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.'),
    columns.age,
  ],
  cells: (pdb, now) => [
    metaName(pdb),
    intOrStringText(get(pdb, 'spec', 'minAvailable')),
    intOrStringText(get(pdb, 'spec', 'maxUnavailable')),
    num(get(pdb, 'status', 'disruptionsAllowed')),
    ageCell(pdb, now),
  ],
};
