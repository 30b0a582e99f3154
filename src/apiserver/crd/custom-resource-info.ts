// What a CRD adds to a ResourceInfo: its printer columns, scale paths and selectable fields.
import type { ResourceInfo } from '../../api/registry/types.js';

export interface CustomResourceInfo extends ResourceInfo {
  printerColumns?: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
  scalePaths?: { spec: string; status: string; selector?: string };
  selectableFields?: string[];
  crdName?: string;
}
