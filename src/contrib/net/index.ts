// Filled by the contrib/net work in progress.
export {};
