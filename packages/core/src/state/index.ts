/** meshd's memory on the bastion: the state directory, its files and the member records. */
export { decodeStateFile, encodeStateFile, readStateFile, removeStateFile, writeFileAtomically, writeStateFile } from './state-file.js';
export { StateStore, type JournalEntry, type MemberRecord } from './store.js';
export { journalsOf, objectJournal } from './object-journal.js';
export { cliFactsOf, FACTS_FILE, KeptFactsFile, type CliFacts } from './kept-facts.js';
export { decodeFactsFile, encodeFactsFile, factsFileKey, MAX_FACTS_FILE_BYTES, type StoredFacts } from './facts-file.js';
export { CredentialRecords, type BindingRef, type CredentialRecord } from './credential-records.js';
