export type Severity = 'error' | 'warning';

/** One lint finding, printed as `file:line:col severity rule message`. */
export interface Finding {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  rule: string;
  message: string;
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.col} ${f.severity} ${f.rule} ${f.message}`;
}
