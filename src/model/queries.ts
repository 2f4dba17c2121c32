// What the screen asks the model, each bounded by what it shows, by subject: filters, the
// exec list, the tree, one process's card, the rankings.
export * from './filters.js';
export * from './exec-list.js';
export * from './tree-queries.js';
export * from './process-queries.js';
export * from './rankings.js';
