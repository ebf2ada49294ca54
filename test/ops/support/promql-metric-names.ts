/**
 * The Concord metric names a PromQL expression reads, e.g. `concord_http_requests_total` and
 * `concord_http_request_duration_seconds_bucket`. Quoted strings (label values, regexes) are left
 * out first, so a matcher like `{consumer="concord_x"}` is not taken for a metric.
 */
export function promqlMetricNames(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return [...new Set(unquoted.match(/\bconcord_[a-zA-Z0-9_:]*/g) ?? [])];
}

/** The series names an exposition's `# TYPE` lines make queryable: a histogram's `_bucket`, `_sum` and `_count`. */
export function queryableNames(types: ReadonlyMap<string, string>): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of types) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
