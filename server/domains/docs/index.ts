export * from './actions';
export { canEditSpace, canManageSpace, canReadSpace, canUseDocs, docAccess, type DocAccess, type SpaceFacts } from './policy';
export { DocRooms } from './rooms';
export { DocRoom, DOC_CLOSE, docChannel, type DocLimits, type DocPeer } from './room';
export { compactDoc, docFrom, readDoc } from './storage';
export { searchPages, type PageHit } from './search';
export { docText } from './text';
export { createVersion, getVersion, listVersions, restoreVersion } from './versions';
