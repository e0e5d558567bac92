// Numbers as both pages show them.

// Three significant figures or so: 1234, 56.7, 8.90; a dash for no value.
export function fmt(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

// A file's size: 1.23 GB, 45.6 MB, 789 kB.
export function fmtBytes(n) {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}
