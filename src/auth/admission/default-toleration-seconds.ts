// DefaultTolerationSeconds admission (mutating): pods tolerate the not-ready and unreachable
// NoExecute taints for 300 seconds unless they already tolerate them.
import type { AdmissionPlugin } from '../types.js';
import { isResource, podSpec, type AdmissionRequest } from './attributes.js';

const TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';
  constructor(private readonly seconds = 300) {}

  async admit(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'CREATE' || !isResource(a, '', 'pods') || !a.object) return;
    const spec = podSpec(a.object);
    const tolerations: any[] = spec.tolerations ?? [];
    for (const key of TAINTS) {
      const covered = tolerations.some((t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
      if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.seconds });
    }
    spec.tolerations = tolerations;
  }
}
