export { formatDiagnostic, formatDiagnostics } from './format/diagnostics.js';
export { formatFunnel } from './format/funnel.js';
export { builtinRegistry } from './registry.js';
