// The two wire formats of time: metav1.Time (seconds) and metav1.MicroTime (microseconds).

export function rfc3339(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.slice(0, 19) + 'Z';
}

export function microTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.slice(0, 23) + '000Z';
}
