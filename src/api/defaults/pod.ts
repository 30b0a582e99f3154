// Upstream SetDefaults for Pod, PodSpec, PodTemplateSpec, containers, probes and volumes.
// Shared by every workload that embeds a pod template.
import type { KubeObject } from '../object.js';
import { ensure, isObj, list, type Obj, setDefault, setDefaultString } from './util.js';

/** Always for ":latest" or untagged images, IfNotPresent otherwise (a digest counts as a tag). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= slash) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  const http = p.httpGet;
  if (isObj(http)) {
    setDefaultString(http, 'path', '/');
    setDefaultString(http, 'scheme', 'HTTP');
  }
  const grpc = p.grpc;
  if (isObj(grpc)) setDefault(grpc, 'service', '');
}

function defaultLifecycleHandler(h: unknown): void {
  if (!isObj(h)) return;
  const http = h.httpGet;
  if (isObj(http)) {
    setDefaultString(http, 'path', '/');
    setDefaultString(http, 'scheme', 'HTTP');
  }
}

export function defaultContainer(c: Obj): void {
  if (typeof c.image === 'string' && c.image) setDefaultString(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefaultString(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultString(c, 'terminationMessagePolicy', 'File');
  for (const port of list(c.ports)) setDefaultString(port, 'protocol', 'TCP');
  for (const env of list(c.env)) {
    const fieldRef = isObj(env.valueFrom) ? env.valueFrom.fieldRef : undefined;
    if (isObj(fieldRef)) setDefaultString(fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultLifecycleHandler(c.lifecycle.postStart);
    defaultLifecycleHandler(c.lifecycle.preStop);
  }
  // Limits stand in for missing requests (upstream does this per container at pod defaulting).
  const res = c.resources;
  if (isObj(res) && isObj(res.limits) && Object.keys(res.limits).length > 0) {
    const requests = ensure(res, 'requests');
    for (const [k, v] of Object.entries(res.limits)) if (requests[k] === undefined) requests[k] = v;
  }
}

function defaultVolume(v: Obj): void {
  const sources = ['hostPath', 'emptyDir', 'secret', 'configMap', 'downwardAPI', 'projected', 'persistentVolumeClaim', 'nfs', 'csi', 'ephemeral', 'iscsi', 'rbd', 'cephfs', 'fc', 'azureFile', 'azureDisk', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'image'];
  if (!sources.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObj(v.secret)) setDefault(v.secret, 'defaultMode', 420);
  if (isObj(v.configMap)) setDefault(v.configMap, 'defaultMode', 420);
  if (isObj(v.downwardAPI)) {
    setDefault(v.downwardAPI, 'defaultMode', 420);
    for (const item of list(v.downwardAPI.items)) if (isObj(item.fieldRef)) setDefaultString(item.fieldRef, 'apiVersion', 'v1');
  }
  if (isObj(v.projected)) {
    setDefault(v.projected, 'defaultMode', 420);
    for (const src of list(v.projected.sources)) {
      if (isObj(src.serviceAccountToken)) setDefault(src.serviceAccountToken, 'expirationSeconds', 3600);
      if (isObj(src.downwardAPI)) for (const item of list(src.downwardAPI.items)) if (isObj(item.fieldRef)) setDefaultString(item.fieldRef, 'apiVersion', 'v1');
    }
  }
  if (isObj(v.iscsi)) setDefaultString(v.iscsi, 'iscsiInterface', 'default');
  if (isObj(v.azureDisk)) {
    setDefaultString(v.azureDisk, 'cachingMode', 'ReadWrite');
    setDefaultString(v.azureDisk, 'kind', 'Shared');
    setDefaultString(v.azureDisk, 'fsType', 'ext4');
    setDefault(v.azureDisk, 'readOnly', false);
  }
}

export function defaultPodSpec(spec: Obj): void {
  setDefaultString(spec, 'restartPolicy', 'Always');
  setDefaultString(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultString(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'enableServiceLinks', true);
  // Host-network pods publish their container ports on the host.
  if (spec.hostNetwork === true) {
    for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
      for (const p of list(c.ports)) if (p.hostPort === undefined && typeof p.containerPort === 'number') p.hostPort = p.containerPort;
    }
  }
  for (const c of list(spec.initContainers)) defaultContainer(c);
  for (const c of list(spec.containers)) defaultContainer(c);
  for (const c of list(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

export function defaultPodTemplateSpec(template: Obj): void {
  defaultPodSpec(ensure(template, 'spec'));
}

/** Pods also get what upstream's Priority admission plugin fills in (templates do not). */
export function defaultPod(pod: KubeObject): void {
  const spec = ensure(pod as unknown as Obj, 'spec');
  defaultPodSpec(spec);
  setDefaultString(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  setDefault(spec, 'priority', 0);
}

export function defaultPodTemplate(pt: KubeObject): void {
  defaultPodTemplateSpec(ensure(pt as unknown as Obj, 'template'));
}
