import type { ErrorObject } from 'ajv';
import type { FieldError } from '../problem.ts';

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Ajv reports where a rule failed; a client needs to know which field to fix. Missing and
 * unexpected properties point at the property itself, and each field is reported once.
 */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, root: string): FieldError[] {
  const byPointer = new Map<string, string>();
  for (const error of errors ?? []) {
    let pointer = root + error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      pointer += `/${escapeToken(String((error.params as { missingProperty: string }).missingProperty))}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      pointer += `/${escapeToken(String((error.params as { additionalProperty: string }).additionalProperty))}`;
      message = 'is not a known field';
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
      if (allowed?.length === 0) message = 'has no allowed value: the contract lists none (an empty enum)';
      else if (allowed) message = `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (error.keyword === 'const') {
      message = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
    } else if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      // Composition failures repeat what their branches said; keep them only when nothing else did.
      if (byPointer.has(pointer)) continue;
    }
    if (!byPointer.has(pointer)) byPointer.set(pointer, message);
  }
  return [...byPointer].map(([pointer, message]) => ({ pointer: pointer || '/', message }));
}
