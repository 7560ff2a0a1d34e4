export * from './types';
export * from './provisionedAccounts';
export * from './routingSnapshots';
export { LedgerInputError } from './validation';
export { MailboxLeaseLostError } from './mailboxLeases';
export { LedgerSchemaError } from './sqlite/sqliteSchema';
export {
	defaultLedgerPath,
	openLedger,
	resolveLedgerPath,
	type LedgerOptions,
	type PostgresLedgerOptions,
	type SqliteLedgerOptions,
} from './openLedger';
export type { SqliteDurability } from './sqlite/sqliteLedgerStore';
