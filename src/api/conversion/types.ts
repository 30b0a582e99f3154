// Conversion between the served versions of one stored resource. Storage holds one version; a
// request in another version is converted on the way in and out.
import type { KubeObject } from '../object.js';

export interface VersionConverter {
  /** apiVersion objects are stored in, e.g. "autoscaling/v2". */
  storageVersion: string;
  /** Converts a stored object to apiVersion (returns the same object when nothing changes). */
  fromStorage(obj: KubeObject, apiVersion: string): KubeObject;
  /** Converts a request object in apiVersion to the storage version. */
  toStorage(obj: KubeObject, apiVersion: string): KubeObject;
}
