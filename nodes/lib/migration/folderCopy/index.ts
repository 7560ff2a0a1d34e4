/** The folder copy: one folder's Full, Delta or Dry run pass (syncFolder) and its Verify (verifyFolder). */
export { ConnectionYieldError, type FolderPassOptions, type FolderSyncContext } from './context';
export { accountedFor, syncFolder } from './syncFolder';
export { verifyFolder } from './verify';
