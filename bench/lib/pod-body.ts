// Request bodies for Pods cloned from the reference pod.json: the server-owned fields are
// stripped once, and the JSON text is pre-split around the per-request values so that building
// a body in the load loop is string concatenation, not a stringify.

const NAME = '\uE000NAME\uE000';
const NS = '\uE000NS\uE000';
const RV = '\uE000RV\uE000';
const GEN = '\uE000GEN\uE000';

export class PodBodies {
  private readonly createParts: string[];
  private readonly updateParts: string[];

  constructor(podJson: string) {
    const pod = JSON.parse(podJson);
    const meta = pod.metadata;
    delete meta.uid;
    delete meta.resourceVersion;
    delete meta.creationTimestamp;
    delete meta.managedFields;
    delete meta.generateName;
    delete pod.status;
    meta.name = NAME;
    meta.namespace = NS;
    this.createParts = JSON.stringify(pod).split('\uE000');
    meta.resourceVersion = RV;
    meta.annotations = { 'bench.k8ts.io/generation': GEN };
    this.updateParts = JSON.stringify(pod).split('\uE000');
  }

  create(namespace: string, name: string): string {
    return fill(this.createParts, { NAME: name, NS: namespace });
  }

  /** An update that changes an annotation, so every write is a real change and a watch event. */
  update(namespace: string, name: string, resourceVersion: string, generation: number): string {
    return fill(this.updateParts, { NAME: name, NS: namespace, RV: resourceVersion, GEN: String(generation) });
  }
}

/** Parts alternate literal text and placeholder names (split on the private-use markers, which JSON leaves unescaped). */
function fill(parts: string[], values: Record<string, string>): string {
  let s = '';
  for (let i = 0; i < parts.length; i++) s += i % 2 === 0 ? parts[i] : values[parts[i]!];
  return s;
}

/** metadata.resourceVersion of a Pod or watch event line without parsing the whole object. */
export function firstResourceVersion(json: string, from = 0): string | undefined {
  const key = '"resourceVersion":"';
  const i = json.indexOf(key, from);
  if (i < 0) return undefined;
  const s = i + key.length;
  return json.slice(s, json.indexOf('"', s));
}
