import type { K8sObject } from './objects';
import { named } from './objects';
import type { Workload } from './workloads';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}

/** A stand-in for the pod name the kubelet would give a replica. */
const podName = (w: Workload) => `${w.name}-7c9d8f6b5-x2x4q`;

function fieldValue(w: Workload, namespace: string, fieldPath: string): string {
  if (fieldPath === 'metadata.name') return podName(w);
  if (fieldPath === 'metadata.namespace') return namespace;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) {
    const value = w.labels[label[1] as string];
    if (value === undefined)
      throw new Error(`${w.name}: no pod label ${label[1]} for ${fieldPath}`);
    return value;
  }
  throw new Error(`${w.name}: the test does not resolve fieldRef ${fieldPath}`);
}

function dataValue(
  objects: K8sObject[],
  kind: 'Secret' | 'ConfigMap',
  name: string,
  key: string,
): string {
  const object = named(objects, kind, name);
  if (!object) throw new Error(`${kind} ${name} is referenced but not rendered`);
  const raw = object.data?.[key];
  if (raw === undefined) throw new Error(`${kind} ${name} has no key ${key}`);
  return kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

/**
 * The environment the kubelet would give the container: downward API fields,
 * Secret and ConfigMap keys, and $(NAME) references to variables declared
 * earlier in the list (a later or unknown one stays literal, as in Kubernetes).
 */
export function resolveEnv(
  objects: K8sObject[],
  w: Workload,
  container = w.containers[0],
): Record<string, string> {
  const namespace = w.object.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const v of (container?.env ?? []) as EnvVar[]) {
    const from = v.valueFrom;
    if (from?.fieldRef) env[v.name] = fieldValue(w, namespace, from.fieldRef.fieldPath);
    else if (from?.secretKeyRef)
      env[v.name] = dataValue(objects, 'Secret', from.secretKeyRef.name, from.secretKeyRef.key);
    else if (from?.configMapKeyRef)
      env[v.name] = dataValue(
        objects,
        'ConfigMap',
        from.configMapKeyRef.name,
        from.configMapKeyRef.key,
      );
    else
      env[v.name] = (v.value ?? '').replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (ref, name: string) => env[name] ?? ref,
      );
  }
  return env;
}

/** Variables that exist only to be expanded into others, like REDIS_PASSWORD into REDIS_URL. */
export function expansionHelpers(container: { env?: EnvVar[] }): Set<string> {
  const referenced = (container.env ?? []).flatMap((v) =>
    [...(v.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1] as string),
  );
  return new Set(referenced);
}
