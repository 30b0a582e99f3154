// Column definition builders. Every kind's column list is built once at module load and shared
// by all tables, so printing 10k rows never rebuilds headers.
import type { TableColumnDefinition } from './types.js';

export function col(
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = '',
): TableColumnDefinition {
  return Object.freeze({ name, type, format, description, priority });
}

export const NAME = col('Name', 'string', 'Unique name of the object within its namespace.', 0, 'name');
export const AGE = col('Age', 'string', 'Time since the object was created.');
export const CONTAINERS = col('Containers', 'string', 'Container names in the pod template.', 1);
export const IMAGES = col('Images', 'string', 'Container images in the pod template.', 1);
export const SELECTOR = (priority = 1) => col('Selector', 'string', 'Label selector matching the managed pods.', priority);

export function columns(...cols: TableColumnDefinition[]): readonly TableColumnDefinition[] {
  return Object.freeze(cols);
}
