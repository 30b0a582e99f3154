// From a metric proposal to the replicas to set (pure), as upstream's
// normalizeDesiredReplicasWithBehaviors: stabilization windows (scale up to the lowest, scale
// down to the highest recent recommendation), rate-limit policies (default: up by max(4 pods,
// 100%), down by 100%), then the [minReplicas, maxReplicas] bounds, with the reason each step
// gives for the AbleToScale and ScalingLimited conditions.

export interface Recommendation {
  at: number;
  replicas: number;
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds?: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

export interface NormalizeInput {
  currentReplicas: number;
  proposed: number;
  minReplicas: number;
  maxReplicas: number;
  behavior?: Behavior;
  history: readonly Recommendation[];
  nowMs: number;
  /** Scale-down stabilization when the HPA does not set one (upstream 300 s). */
  defaultDownWindowSeconds: number;
}

export interface Condition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface NormalizeResult {
  desired: number;
  history: Recommendation[];
  ableToScale: Condition;
  scalingLimited: Condition;
}

const DEFAULT_UP: ScalingPolicy[] = [
  { type: 'Pods', value: 4, periodSeconds: 15 },
  { type: 'Percent', value: 100, periodSeconds: 15 },
];
const DEFAULT_DOWN: ScalingPolicy[] = [{ type: 'Percent', value: 100, periodSeconds: 15 }];

function upLimit(current: number, rules: ScalingRules | undefined): number {
  const select = rules?.selectPolicy ?? 'Max';
  if (select === 'Disabled') return current;
  const limits = (rules?.policies?.length ? rules.policies : DEFAULT_UP).map((p) => (p.type === 'Pods' ? current + p.value : Math.ceil(current * (1 + p.value / 100))));
  return select === 'Min' ? Math.min(...limits) : Math.max(...limits);
}

function downLimit(current: number, rules: ScalingRules | undefined): number {
  const select = rules?.selectPolicy ?? 'Max';
  if (select === 'Disabled') return current;
  const limits = (rules?.policies?.length ? rules.policies : DEFAULT_DOWN).map((p) => (p.type === 'Pods' ? current - p.value : Math.floor(current * (1 - p.value / 100))));
  // "Max" picks the policy allowing the biggest change, i.e. the lowest count.
  return select === 'Min' ? Math.max(...limits) : Math.min(...limits);
}

export function normalizeReplicas(input: NormalizeInput): NormalizeResult {
  const { currentReplicas: current, proposed, nowMs, behavior } = input;
  const upWindow = (behavior?.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
  const downWindow = (behavior?.scaleDown?.stabilizationWindowSeconds ?? input.defaultDownWindowSeconds) * 1000;
  const keep = Math.max(upWindow, downWindow);
  const history = input.history.filter((r) => r.at > nowMs - keep);
  let upRec = proposed;
  let downRec = proposed;
  for (const r of history) {
    if (r.at > nowMs - upWindow) upRec = Math.min(upRec, r.replicas);
    if (r.at > nowMs - downWindow) downRec = Math.max(downRec, r.replicas);
  }
  history.push({ at: nowMs, replicas: proposed });
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;

  let ableToScale: Condition = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
  if (stabilized !== proposed) {
    ableToScale =
      stabilized > proposed
        ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
        : { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
  }

  const maxAllowed = Math.min(upLimit(current, behavior?.scaleUp), input.maxReplicas);
  const minAllowed = Math.max(downLimit(current, behavior?.scaleDown), input.minReplicas);
  let desired = stabilized;
  let scalingLimited: Condition = { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  if (desired > maxAllowed) {
    desired = maxAllowed;
    scalingLimited =
      maxAllowed === input.maxReplicas
        ? { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
        : { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  } else if (desired < minAllowed) {
    desired = minAllowed;
    scalingLimited =
      minAllowed === input.minReplicas
        ? { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' }
        : { status: 'True', reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
  }
  return { desired, history, ableToScale, scalingLimited };
}
