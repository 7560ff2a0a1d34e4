/** Folder naming and mapping between two mail servers: pure functions, no I/O. */
export * from './canonicalPath';
export * from './FolderMapper';
export * from './mutf7';
export * from './specialUse';
