export {
	LdapDirectory,
	attributeValues,
	describeLocator,
	openLdapDirectory,
	type EntryLocator,
	type LdapChange,
	type LdapEntry,
	type LdapScope,
} from './ldapDirectory';
export { LdapEntryMatchError, LdapStepError, type LdapStep } from './ldapErrors';
export {
	LdapSettingsError,
	ldapAddressOf,
	type LdapAddress,
	type LdapSecurity,
	type LdapSettings,
} from './ldapSettings';
export {
	LdapTemplateError,
	dnFromTemplate,
	escapeDnValue,
	escapeFilterValue,
	filterFromTemplate,
	templatePlaceholders,
	type TemplateValues,
} from './ldapTemplates';
