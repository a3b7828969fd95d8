/** meshd's memory on the bastion: the state directory, its files and the member records. */
export { decodeStateFile, encodeStateFile, readStateFile, removeStateFile, writeStateFile } from './state-file.js';
export { StateStore, type JournalEntry, type MemberRecord } from './store.js';
export { journalsOf, objectJournal } from './object-journal.js';
export { CredentialRecords, type BindingRef, type CredentialRecord } from './credential-records.js';
