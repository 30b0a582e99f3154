// The default profile: upstream's default plugin set, order and score weights (v1.32
// KubeSchedulerConfiguration defaults, minus NodeVolumeLimits and VolumeZone).
import { Framework, type Profile } from './framework.js';
import { DEFAULT_SCHEDULER_NAME } from './api-types.js';
import { DefaultPreemption } from './plugins/DefaultPreemption.js';
import { ImageLocality } from './plugins/ImageLocality.js';
import { InterPodAffinity } from './plugins/InterPodAffinity.js';
import { NodeAffinity } from './plugins/NodeAffinity.js';
import { NodeName } from './plugins/NodeName.js';
import { NodePorts } from './plugins/NodePorts.js';
import { NodeResourcesBalancedAllocation } from './plugins/NodeResourcesBalancedAllocation.js';
import { NodeResourcesFit } from './plugins/NodeResourcesFit.js';
import { NodeUnschedulable } from './plugins/NodeUnschedulable.js';
import { PodTopologySpread } from './plugins/PodTopologySpread.js';
import { TaintToleration } from './plugins/TaintToleration.js';
import { VolumeBinding } from './plugins/VolumeBinding.js';
import { VolumeRestrictions } from './plugins/VolumeRestrictions.js';

export function defaultProfile(overrides: Partial<Pick<Profile, 'schedulerName' | 'percentageOfNodesToScore'>> = {}): Profile {
  const nodeUnschedulable = new NodeUnschedulable();
  const nodeName = new NodeName();
  const taintToleration = new TaintToleration();
  const nodeAffinity = new NodeAffinity();
  const nodePorts = new NodePorts();
  const fit = new NodeResourcesFit();
  const spread = new PodTopologySpread();
  const interPod = new InterPodAffinity();
  const balanced = new NodeResourcesBalancedAllocation();
  const images = new ImageLocality();
  const volumeRestrictions = new VolumeRestrictions();
  const volumeBinding = new VolumeBinding();
  return {
    schedulerName: overrides.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    percentageOfNodesToScore: overrides.percentageOfNodesToScore ?? 0,
    preFilter: [nodeAffinity, nodePorts, volumeRestrictions, volumeBinding, spread, interPod],
    filter: [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, fit, volumeRestrictions, volumeBinding, spread, interPod],
    postFilter: [new DefaultPreemption()],
    preScore: [taintToleration, nodeAffinity, spread, interPod, balanced, images],
    score: [
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: spread, weight: 2 },
      { plugin: interPod, weight: 2 },
      { plugin: balanced, weight: 1 },
      { plugin: images, weight: 1 },
    ],
    reserve: [],
    preBind: [volumeBinding],
  };
}

export const defaultFramework = (overrides?: Parameters<typeof defaultProfile>[0]): Framework => new Framework(defaultProfile(overrides));
