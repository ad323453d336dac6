import { ofKind, selects, type K8sObject } from './objects';

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  env?: any[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

/** A Deployment or StatefulSet seen as the pods it creates. */
export interface Workload {
  object: K8sObject;
  kind: string;
  name: string;
  labels: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  pod: any;
  containers: Container[];
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((object) => ({
      object,
      kind: object.kind,
      name: object.metadata.name,
      labels: object.spec.template.metadata?.labels ?? {},
      pod: object.spec.template.spec,
      containers: object.spec.template.spec.containers,
    }));
}

/** Fig's own services (not Redis, not the tracing backends). */
export const services = (objects: K8sObject[]) =>
  workloads(objects).filter((w) => w.labels['app.kubernetes.io/component'] === 'service');

/** The Deployment named after its app, as opposed to a second track such as monolith-v2. */
export const isPrimary = (w: Workload) => w.name === w.labels['app.kubernetes.io/name'];

export function containerPorts(w: Workload): Map<string | number, number> {
  const ports = new Map<string | number, number>();
  for (const c of w.containers) {
    for (const p of c.ports ?? []) {
      ports.set(p.containerPort, p.containerPort);
      if (p.name) ports.set(p.name, p.containerPort);
    }
  }
  return ports;
}

/** The workloads whose pods a Service (or any label selector) picks. */
export function selectedBy(objects: K8sObject[], selector: Record<string, string>): Workload[] {
  return workloads(objects).filter((w) => selects({ matchLabels: selector }, w.labels));
}

/** "host:port" of every Service port in the render. */
export function serviceAddresses(objects: K8sObject[]): Set<string> {
  return new Set(
    ofKind(objects, 'Service').flatMap((s) =>
      (s.spec.ports as { port: number }[]).map((p) => `${s.metadata.name}:${p.port}`),
    ),
  );
}

/**
 * Istio WorkloadEntries (a VM in the mesh, exercise 15) seen as workloads: a
 * Service or an Istio policy may select them by label as it selects pods.
 */
export function workloadEntries(objects: K8sObject[]): Workload[] {
  return ofKind(objects, 'WorkloadEntry').map((object) => ({
    object,
    kind: object.kind,
    name: object.metadata.name,
    labels: object.spec.labels ?? {},
    pod: { serviceAccountName: object.spec.serviceAccount },
    containers: [
      {
        name: 'vm',
        image: '',
        ports: Object.entries((object.spec.ports ?? {}) as Record<string, number>).map(
          ([name, containerPort]) => ({ name, containerPort }),
        ),
      },
    ],
  }));
}

/** What a label selector can reach: pods, and VMs that joined the mesh. */
export const selectable = (objects: K8sObject[]) => [
  ...workloads(objects),
  ...workloadEntries(objects),
];
