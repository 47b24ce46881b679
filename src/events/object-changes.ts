import diff from 'microdiff';
import { FieldChange } from './openregister-event.js';

const OPERATION = { CREATE: 'add', REMOVE: 'remove', CHANGE: 'replace' } as const;

/**
 * Field-level changes between two versions of an object's data, nested objects and arrays
 * included, each addressed by a JSON pointer (RFC 6901).
 */
export function objectChanges(previous: Record<string, unknown>, next: Record<string, unknown>): FieldChange[] {
  return diff(previous, next).map((difference) => {
    const change: FieldChange = { path: toPointer(difference.path), op: OPERATION[difference.type] };
    if (difference.type !== 'CREATE') change.oldValue = difference.oldValue;
    if (difference.type !== 'REMOVE') change.newValue = difference.value;
    return change;
  });
}

export function toPointer(path: readonly (string | number)[]): string {
  return path.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
