// Filled by the contrib/otel work in progress.
export {};
