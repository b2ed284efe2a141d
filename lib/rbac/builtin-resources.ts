/** Where a kind is served: API group ("" is core) and plural resource name, as RBAC rules name it. */
export interface KindResource {
  group: string;
  resource: string;
}

/**
 * REST mapping of the built-in kinds a template set commonly renders, so `tenant-sync rbac` works offline and
 * its output does not depend on which cluster answered discovery. Any other kind (a CRD) is resolved by
 * discovery on a cluster (`--cluster`).
 */
const BUILTIN: Record<string, string> = {
  "v1/ConfigMap": "configmaps",
  "v1/Endpoints": "endpoints",
  "v1/LimitRange": "limitranges",
  "v1/Namespace": "namespaces",
  "v1/PersistentVolume": "persistentvolumes",
  "v1/PersistentVolumeClaim": "persistentvolumeclaims",
  "v1/Pod": "pods",
  "v1/ResourceQuota": "resourcequotas",
  "v1/Secret": "secrets",
  "v1/Service": "services",
  "v1/ServiceAccount": "serviceaccounts",
  "apps/v1/DaemonSet": "daemonsets",
  "apps/v1/Deployment": "deployments",
  "apps/v1/StatefulSet": "statefulsets",
  "autoscaling/v2/HorizontalPodAutoscaler": "horizontalpodautoscalers",
  "batch/v1/CronJob": "cronjobs",
  "batch/v1/Job": "jobs",
  "networking.k8s.io/v1/Ingress": "ingresses",
  "networking.k8s.io/v1/NetworkPolicy": "networkpolicies",
  "policy/v1/PodDisruptionBudget": "poddisruptionbudgets",
  "rbac.authorization.k8s.io/v1/ClusterRole": "clusterroles",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "clusterrolebindings",
  "rbac.authorization.k8s.io/v1/Role": "roles",
  "rbac.authorization.k8s.io/v1/RoleBinding": "rolebindings",
  "scheduling.k8s.io/v1/PriorityClass": "priorityclasses",
  "storage.k8s.io/v1/StorageClass": "storageclasses",
};

export const groupOf = (apiVersion: string): string =>
  apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";

export function builtinResource(apiVersion: string, kind: string): KindResource | undefined {
  const resource = BUILTIN[`${apiVersion}/${kind}`];
  return resource === undefined ? undefined : { group: groupOf(apiVersion), resource };
}
