// Filled by the contrib/pg work in progress.
export {};
